#include "store/backoff.h"

#include <gtest/gtest.h>

namespace vitalsd {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

TEST(Backoff, DoublesFromTheMinimumAndSpreadsByAQuarter) {
  struct Case {
    int failed_attempts;
    double jitter;
    milliseconds expected;
  };
  const Case cases[] = {
      {1, 0.0, 200ms},    // 0.75 x 200, raised to the minimum
      {1, 0.5, 200ms},    // 200
      {1, 0.999, 249ms},  // just under 1.25 x 200
      {2, 0.0, 300ms},    // 0.75 x 400
      {2, 0.5, 400ms},     {3, 0.5, 800ms},   {4, 0.5, 1600ms},
      {6, 0.5, 6400ms},    {7, 0.5, 10000ms},  // 12800 capped
      {7, 0.0, 7500ms},                        // jitter still spreads at the cap, downwards
      {7, 0.999, 10000ms},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(backoff_delay(c.failed_attempts, 200ms, 10s, c.jitter), c.expected)
        << "attempts " << c.failed_attempts << ", jitter " << c.jitter;
  }
}

TEST(Backoff, StaysWithinTheBoundsWhateverTheInput) {
  for (int attempts : {-5, 0, 1, 31, 1000, 2'000'000'000}) {
    for (double jitter : {-1.0, 0.0, 0.3, 0.99, 7.0}) {
      const auto d = backoff_delay(attempts, 50ms, 3s, jitter);
      EXPECT_GE(d, 50ms);
      EXPECT_LE(d, 3s);
    }
  }
}

TEST(Backoff, AMaximumBelowTheMinimumMeansTheMinimum) {
  EXPECT_EQ(backoff_delay(5, 500ms, 100ms, 0.5), 500ms);
}

}  // namespace
}  // namespace vitalsd
