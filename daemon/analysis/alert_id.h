// AlertIdGenerator: random 128-bit episode ids as 32 lowercase hex chars.
//
// One per worker (not thread-safe); seeded from std::random_device so ids
// from different workers and restarts do not collide in practice.
#pragma once

#include <cstdint>
#include <random>

#include "analysis/alert_event.h"

namespace vitalsd {

class AlertIdGenerator {
 public:
  AlertIdGenerator() : rng_(seed()) {}
  explicit AlertIdGenerator(std::uint64_t seed) : rng_(seed) {}

  AlertId next() {
    static constexpr char kHex[] = "0123456789abcdef";
    char buf[kAlertIdLength];
    for (int half = 0; half < 2; ++half) {
      std::uint64_t bits = rng_();
      for (int i = 0; i < 16; ++i) {
        buf[half * 16 + i] = kHex[bits & 0xF];
        bits >>= 4;
      }
    }
    return AlertId(std::string_view(buf, sizeof buf));
  }

 private:
  static std::uint64_t seed() {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }
  std::mt19937_64 rng_;
};

}  // namespace vitalsd
