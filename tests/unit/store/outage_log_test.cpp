#include "store/outage_log.h"

#include <gtest/gtest.h>

namespace vitalsd {
namespace {

using namespace std::chrono_literals;

const OutageLog::Clock::time_point t0{std::chrono::hours(1)};

TEST(OutageLog, LogsTheFirstFailureThenAReminderPerIntervalWithACount) {
  OutageLog log(30s);
  auto f = log.on_failure(t0);
  EXPECT_TRUE(f.log);
  EXPECT_TRUE(f.first);
  EXPECT_EQ(f.failures, 1u);

  for (int i = 1; i < 10; ++i) {
    f = log.on_failure(t0 + std::chrono::seconds(i));
    EXPECT_FALSE(f.log) << "retry " << i << " stays quiet";
  }
  f = log.on_failure(t0 + 30s);
  EXPECT_TRUE(f.log);
  EXPECT_FALSE(f.first);
  EXPECT_EQ(f.failures, 11u);
  EXPECT_EQ(f.down_for, 30s);
  EXPECT_FALSE(log.on_failure(t0 + 59s).log);
  EXPECT_TRUE(log.on_failure(t0 + 60s).log);
}

TEST(OutageLog, RecoveryReportsTheOutageOnceAndANewOneStartsAfresh) {
  OutageLog log(30s);
  EXPECT_FALSE(log.on_success(t0).has_value()) << "no outage, nothing to report";
  log.on_failure(t0);
  log.on_failure(t0 + 1s);
  log.on_failure(t0 + 2s);
  const auto r = log.on_success(t0 + 2500ms);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->failures, 3u);
  EXPECT_EQ(r->down_for, 2500ms);
  EXPECT_FALSE(log.on_success(t0 + 3s).has_value());
  const auto f = log.on_failure(t0 + 4s);
  EXPECT_TRUE(f.first);
  EXPECT_EQ(f.failures, 1u);
}

}  // namespace
}  // namespace vitalsd
