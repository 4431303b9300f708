// Clock: the one way pipeline code learns the time.
//
// Wall time (epoch milliseconds) stamps readings and alerts and drives
// signal_lost; monotonic time measures latencies. Tests substitute FakeClock
// and move time by hand, so nothing time-dependent needs to sleep.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace vitalsd {

using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual std::int64_t wall_ms() const = 0;
  // Nanoseconds on a clock that never jumps; only differences are meaningful.
  virtual std::int64_t mono_ns() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t wall_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
  std::int64_t mono_ns() const override {
    using namespace std::chrono;
    return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
  }
};

// Thread-safe: tests may advance it while a worker reads it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t wall_ms = 1'763'719'200'000) : wall_ms_(wall_ms) {}
  std::int64_t wall_ms() const override { return wall_ms_.load(); }
  std::int64_t mono_ns() const override { return mono_ns_.load(); }
  void advance(Millis d) {
    wall_ms_ += d.count();
    mono_ns_ += d.count() * 1'000'000;
  }
  void set_wall_ms(std::int64_t ms) { wall_ms_ = ms; }

 private:
  std::atomic<std::int64_t> wall_ms_;
  std::atomic<std::int64_t> mono_ns_{0};
};

}  // namespace vitalsd
