// BoundedString<N>: a string of at most N bytes stored inline.
//
// Readings carry their patient id and device id in these so that a Reading is
// trivially copyable and moving it through the queues never allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace vitalsd {

template <std::size_t N>
class BoundedString {
  static_assert(N < 256, "size is stored in one byte");

 public:
  static constexpr std::size_t kCapacity = N;

  BoundedString() = default;

  // REQUIRES: s.size() <= N (callers validate first; see try_assign).
  explicit BoundedString(std::string_view s) { assign(s); }

  // Returns false, leaving the string unchanged, if s does not fit.
  bool try_assign(std::string_view s) {
    if (s.size() > N) return false;
    assign(s);
    return true;
  }

  std::string_view view() const { return {data_, size_}; }
  std::string str() const { return std::string(view()); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  friend bool operator==(const BoundedString& a, const BoundedString& b) {
    return a.view() == b.view();
  }
  friend bool operator==(const BoundedString& a, std::string_view b) { return a.view() == b; }

 private:
  void assign(std::string_view s) {
    size_ = static_cast<std::uint8_t>(s.size() <= N ? s.size() : N);
    std::memcpy(data_, s.data(), size_);
  }

  char data_[N] = {};
  std::uint8_t size_ = 0;
};

}  // namespace vitalsd
