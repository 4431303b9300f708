// AlertId: an alert episode's id, 128 random bits written as 32 lowercase
// hex characters (SPEC §5); AlertIdGenerator makes them.
//
// An id is kept as its bits, 16 bytes rather than 33 characters: every
// patient carries one per rule in its state, and per-patient state is what
// makes a large ward miss the cache (bench/README.md, "The patient table").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace vitalsd {

class AlertId {
 public:
  static constexpr std::size_t kHexLength = 32;

  // The id as text, by value (an AlertId holds no characters to point into).
  struct Hex {
    std::array<char, kHexLength> chars;
    std::string_view view() const { return {chars.data(), chars.size()}; }
  };

  AlertId() = default;  // all zero bits: no episode yet
  constexpr AlertId(std::uint64_t high, std::uint64_t low) : high_(high), low_(low) {}

  // Exactly 32 lowercase hex characters, as hex() writes them; else nullopt.
  static constexpr std::optional<AlertId> parse(std::string_view text) {
    if (text.size() != kHexLength) return std::nullopt;
    std::uint64_t half[2] = {0, 0};
    for (std::size_t i = 0; i < kHexLength; ++i) {
      const char c = text[i];
      std::uint64_t nibble = 0;
      if (c >= '0' && c <= '9') {
        nibble = static_cast<std::uint64_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        nibble = static_cast<std::uint64_t>(c - 'a' + 10);
      } else {
        return std::nullopt;
      }
      half[i / 16] = (half[i / 16] << 4) | nibble;
    }
    return AlertId(half[0], half[1]);
  }

  // Most significant nibble first: parse(hex().view()) == *this.
  Hex hex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    Hex out{};
    const std::uint64_t half[2] = {high_, low_};
    for (std::size_t i = 0; i < kHexLength; ++i) {
      out.chars[i] = kDigits[(half[i / 16] >> (4 * (15 - i % 16))) & 0xF];
    }
    return out;
  }

  friend bool operator==(const AlertId&, const AlertId&) = default;

 private:
  std::uint64_t high_ = 0;  // the first 16 hex characters
  std::uint64_t low_ = 0;
};

// One per worker (not thread-safe); seeded from std::random_device so ids
// from different workers and restarts do not collide in practice.
class AlertIdGenerator {
 public:
  AlertIdGenerator() : rng_(seed()) {}
  explicit AlertIdGenerator(std::uint64_t seed) : rng_(seed) {}

  AlertId next() {
    const std::uint64_t high = rng_();
    return AlertId(high, rng_());
  }

 private:
  static std::uint64_t seed() {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }
  std::mt19937_64 rng_;
};

}  // namespace vitalsd
