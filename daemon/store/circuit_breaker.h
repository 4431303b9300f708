// CircuitBreaker: decides when Redis calls should fail fast instead of
// touching a Redis that keeps failing.
//
//   closed    --failures_to_open consecutive failures-->  open
//   open      --open_for has passed, try_probe()------->  half_open
//   half_open --success--> closed      --failure--> open (for open_for again)
//
// What counts as a failure or a success is the caller's business (RedisClient
// counts lost connections, failed connect attempts and timeouts; a Redis
// error reply is an answer, not a failure). Time is passed in, so tests need
// no clock. Not thread-safe: one owner.
#pragma once

#include <chrono>

namespace vitalsd {

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { closed, open, half_open };

  // failures_to_open below 1 is taken as 1.
  CircuitBreaker(int failures_to_open, std::chrono::milliseconds open_for);

  State state() const { return state_; }
  // Open or half-open: calls should fail fast.
  bool is_open() const { return state_ != State::closed; }
  int consecutive_failures() const { return failures_; }

  // Closes the circuit and forgets earlier failures.
  void record_success();
  // Returns true if this failure opened the circuit (closed/half-open -> open).
  bool record_failure(Clock::time_point now);

  // While open: once open_for has passed, moves to half_open and returns true;
  // the caller may then make one probe call. False otherwise (also while a
  // probe is already under way).
  bool try_probe(Clock::time_point now);
  // While open: when try_probe() will first succeed.
  Clock::time_point probe_at() const { return opened_at_ + open_for_; }

 private:
  const int failures_to_open_;
  const std::chrono::milliseconds open_for_;
  State state_ = State::closed;
  int failures_ = 0;
  Clock::time_point opened_at_{};
};

}  // namespace vitalsd
