#include "store/circuit_breaker.h"

#include <algorithm>

namespace vitalsd {

CircuitBreaker::CircuitBreaker(int failures_to_open, std::chrono::milliseconds open_for)
    : failures_to_open_(std::max(1, failures_to_open)), open_for_(open_for) {}

void CircuitBreaker::record_success() {
  state_ = State::closed;
  failures_ = 0;
}

bool CircuitBreaker::record_failure(Clock::time_point now) {
  ++failures_;
  switch (state_) {
    case State::closed:
      if (failures_ < failures_to_open_) return false;
      break;
    case State::half_open:
      break;  // the probe failed: stay away for another open_for
    case State::open:
      return false;  // already failing fast; the open period is not extended
  }
  state_ = State::open;
  opened_at_ = now;
  return true;
}

bool CircuitBreaker::try_probe(Clock::time_point now) {
  if (state_ != State::open || now < probe_at()) return false;
  state_ = State::half_open;
  return true;
}

}  // namespace vitalsd
