// LogThrottle: lets one message per key through per interval and counts the
// rest, so a flood of bad input cannot flood the log (or slow the ingest
// thread down with it).
//
// Not thread-safe: one instance per thread (ingest owns one).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>

#include "common/clock.h"

namespace vitalsd {

template <std::size_t kKeys>
class LogThrottle {
 public:
  LogThrottle(const Clock& clock, std::chrono::milliseconds interval)
      : clock_(clock), interval_ms_(interval.count()) {}

  // True if this occurrence of `key` should be logged; then *suppressed is the
  // number of occurrences swallowed since the last one that was.
  bool admit(std::size_t key, std::uint64_t* suppressed) {
    Slot& s = slots_[key % kKeys];
    const std::int64_t now = clock_.mono_ns() / 1'000'000;
    if (s.logged_once && now - s.last_ms < interval_ms_) {
      ++s.suppressed;
      return false;
    }
    *suppressed = s.suppressed;
    s.suppressed = 0;
    s.last_ms = now;
    s.logged_once = true;
    return true;
  }

 private:
  struct Slot {
    std::int64_t last_ms = 0;
    std::uint64_t suppressed = 0;
    bool logged_once = false;
  };
  const Clock& clock_;
  const std::int64_t interval_ms_;
  std::array<Slot, kKeys> slots_{};
};

}  // namespace vitalsd
