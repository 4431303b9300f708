#include "store/circuit_breaker.h"

#include <gtest/gtest.h>

namespace vitalsd {
namespace {

using namespace std::chrono_literals;
using State = CircuitBreaker::State;

const CircuitBreaker::Clock::time_point t0{std::chrono::hours(1)};

TEST(CircuitBreaker, OpensAfterTheConfiguredConsecutiveFailures) {
  CircuitBreaker b(3, 2s);
  EXPECT_FALSE(b.record_failure(t0));
  EXPECT_FALSE(b.record_failure(t0));
  EXPECT_EQ(b.state(), State::closed);
  EXPECT_TRUE(b.record_failure(t0)) << "the third failure opens it";
  EXPECT_EQ(b.state(), State::open);
  EXPECT_TRUE(b.is_open());
}

TEST(CircuitBreaker, ASuccessInBetweenStartsTheCountAgain) {
  CircuitBreaker b(3, 2s);
  b.record_failure(t0);
  b.record_failure(t0);
  b.record_success();
  EXPECT_FALSE(b.record_failure(t0));
  EXPECT_FALSE(b.record_failure(t0));
  EXPECT_EQ(b.state(), State::closed);
}

TEST(CircuitBreaker, AllowsOneProbeOnceOpenForHasPassed) {
  CircuitBreaker b(1, 2s);
  ASSERT_TRUE(b.record_failure(t0));
  EXPECT_EQ(b.probe_at(), t0 + 2s);
  EXPECT_FALSE(b.try_probe(t0 + 1999ms));
  EXPECT_EQ(b.state(), State::open);
  EXPECT_TRUE(b.try_probe(t0 + 2s));
  EXPECT_EQ(b.state(), State::half_open);
  EXPECT_TRUE(b.is_open()) << "calls still fail fast while the probe is out";
  EXPECT_FALSE(b.try_probe(t0 + 3s)) << "one probe at a time";
}

TEST(CircuitBreaker, ASuccessfulProbeClosesIt) {
  CircuitBreaker b(1, 2s);
  b.record_failure(t0);
  ASSERT_TRUE(b.try_probe(t0 + 2s));
  b.record_success();
  EXPECT_EQ(b.state(), State::closed);
  EXPECT_EQ(b.consecutive_failures(), 0);
}

TEST(CircuitBreaker, AFailedProbeReopensForAnotherPeriod) {
  CircuitBreaker b(1, 2s);
  b.record_failure(t0);
  ASSERT_TRUE(b.try_probe(t0 + 2s));
  EXPECT_TRUE(b.record_failure(t0 + 2500ms));
  EXPECT_EQ(b.state(), State::open);
  EXPECT_FALSE(b.try_probe(t0 + 4s));
  EXPECT_TRUE(b.try_probe(t0 + 4500ms));
}

TEST(CircuitBreaker, FailuresWhileOpenDoNotExtendTheOpenPeriod) {
  CircuitBreaker b(1, 2s);
  b.record_failure(t0);
  EXPECT_FALSE(b.record_failure(t0 + 1s));
  EXPECT_TRUE(b.try_probe(t0 + 2s));
}

TEST(CircuitBreaker, ThresholdBelowOneMeansTheFirstFailureOpensIt) {
  CircuitBreaker b(0, 2s);
  EXPECT_TRUE(b.record_failure(t0));
}

}  // namespace
}  // namespace vitalsd
