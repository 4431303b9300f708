#include "telemetry/log_throttle.h"

#include <gtest/gtest.h>

namespace vitalsd {
namespace {

using namespace std::chrono_literals;

TEST(LogThrottle, AdmitsOnePerKeyPerIntervalAndCountsTheRest) {
  FakeClock clock;
  LogThrottle<2> t(clock, 10s);
  std::uint64_t suppressed = 99;
  EXPECT_TRUE(t.admit(0, &suppressed));
  EXPECT_EQ(suppressed, 0u);
  EXPECT_FALSE(t.admit(0, &suppressed));
  EXPECT_FALSE(t.admit(0, &suppressed));
  EXPECT_TRUE(t.admit(1, &suppressed)) << "keys are throttled separately";
  clock.advance(9'999ms);
  EXPECT_FALSE(t.admit(0, &suppressed));
  clock.advance(1ms);
  EXPECT_TRUE(t.admit(0, &suppressed));
  EXPECT_EQ(suppressed, 3u);
}

}  // namespace
}  // namespace vitalsd
