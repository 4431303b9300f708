#include "store/state_restorer.h"

#include <gtest/gtest.h>

#include "fake_redis.h"

namespace vitalsd {
namespace {

using testing::FakeRedis;

const char* kActiveJson =
    R"({"id":"a1b2c3d4e5f60718293a4b5c6d7e8f90","patient":"p1","rule":"spo2_low","state":"acknowledged","severity":"medium"})";

TEST(StateRestorer, ReadsActiveAlertsAndLastReadingTimes) {
  FakeRedis redis;
  StateRestorer restorer(redis, "vitalsd:");
  std::optional<RestoredState> result;
  restorer.run([&](RestoredState s) { result = std::move(s); });

  ASSERT_EQ(redis.first_words(0, 5), "SCAN 0 MATCH vitalsd:active:* COUNT");
  redis.reply(FakeRedis::array({FakeRedis::string("7"),
                                FakeRedis::array({FakeRedis::string("vitalsd:active:p1"),
                                                  FakeRedis::string("vitalsd:active:bad id")})}));
  // The HGETALL for p1 and the next SCAN page are pipelined.
  ASSERT_EQ(redis.first_words(0), "HGETALL vitalsd:active:p1");
  ASSERT_EQ(redis.first_words(1, 2), "SCAN 7");
  redis.reply(FakeRedis::array({FakeRedis::string("spo2_low"), FakeRedis::string(kActiveJson),
                                FakeRedis::string("hr_high"), FakeRedis::string("{garbage")}));
  redis.reply(FakeRedis::array({FakeRedis::string("0"), FakeRedis::array({})}));
  ASSERT_EQ(redis.first_words(0, 4), "SCAN 0 MATCH vitalsd:latest:*");
  redis.reply(FakeRedis::array({FakeRedis::string("0"),
                                FakeRedis::array({FakeRedis::string("vitalsd:latest:p1")})}));
  ASSERT_EQ(redis.first_words(0, 3), "HGET vitalsd:latest:p1 ts");
  EXPECT_FALSE(result) << "not done while a reply is due";
  redis.reply(FakeRedis::string("1795255200123"));

  ASSERT_TRUE(result);
  EXPECT_TRUE(result->complete);
  ASSERT_EQ(result->alerts.size(), 1u);
  const RestoredAlert& a = result->alerts[0];
  EXPECT_EQ(a.patient, "p1");
  EXPECT_EQ(a.rule, "spo2_low");
  EXPECT_TRUE(a.episode.active);
  EXPECT_TRUE(a.episode.acknowledged);
  EXPECT_EQ(a.episode.severity, Severity::medium);
  EXPECT_EQ(a.episode.id.hex().view(), "a1b2c3d4e5f60718293a4b5c6d7e8f90");
  EXPECT_EQ(result->problems.size(), 1u) << "the unreadable hr_high entry is reported";
  ASSERT_EQ(result->last_ts.size(), 1u);
  EXPECT_EQ(result->last_ts[0].second, 1'795'255'200'123);
}

TEST(StateRestorer, AFailureEndsTheRestoreIncompleteButKeepsWhatWasRead) {
  FakeRedis redis;
  StateRestorer restorer(redis, "vitalsd:");
  std::optional<RestoredState> result;
  restorer.run([&](RestoredState s) { result = std::move(s); });
  redis.fail(RedisFailure::Kind::timeout);
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->complete);
}

TEST(StateRestorer, DecodesActiveAlertJson) {
  std::string problem;
  EXPECT_TRUE(decode_active_alert(kActiveJson, &problem));
  EXPECT_FALSE(decode_active_alert(R"({"id":"short","severity":"low","state":"raised"})", &problem));
  EXPECT_FALSE(decode_active_alert(
      R"({"id":"A1B2C3D4E5F60718293A4B5C6D7E8F90","severity":"low","state":"raised"})", &problem));
  EXPECT_EQ(problem, "id is not 32 lowercase hex characters");
  EXPECT_FALSE(decode_active_alert(
      R"({"id":"a1b2c3d4e5f60718293a4b5c6d7e8f90","severity":"low","state":"cleared"})", &problem));
}

}  // namespace
}  // namespace vitalsd
