// OutageLog: decides which connection failures deserve a log line, so an
// operator sees the start of an outage, a reminder now and then while it
// lasts (with a count), and its end, instead of one line per retry.
//
// Time is passed in; not thread-safe (one owner).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace vitalsd {

class OutageLog {
 public:
  using Clock = std::chrono::steady_clock;

  explicit OutageLog(std::chrono::milliseconds repeat_every) : repeat_every_(repeat_every) {}

  struct Failure {
    bool log = false;                       // write a line for this failure
    bool first = false;                     // it starts a new outage
    std::uint64_t failures = 0;             // failures in this outage so far, this one included
    std::chrono::milliseconds down_for{0};  // since the outage began
  };
  Failure on_failure(Clock::time_point now);

  struct Recovery {
    std::uint64_t failures = 0;
    std::chrono::milliseconds down_for{0};
  };
  // The outage that a success just ended, if there was one.
  std::optional<Recovery> on_success(Clock::time_point now);

  bool in_outage() const { return in_outage_; }

 private:
  const std::chrono::milliseconds repeat_every_;
  bool in_outage_ = false;
  Clock::time_point since_{};
  Clock::time_point last_logged_{};
  std::uint64_t failures_ = 0;
};

}  // namespace vitalsd
