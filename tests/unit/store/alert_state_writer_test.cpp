#include "store/alert_state_writer.h"

#include <algorithm>

#include <gtest/gtest.h>

#include <spdlog/sinks/null_sink.h>

#include "fake_redis.h"
#include "telemetry/metrics.h"

namespace vitalsd {
namespace {

using testing::FakeRedis;

AlertEvent event(std::string_view patient, std::string_view rule, AlertState state) {
  AlertEvent e;
  e.id = *AlertId::parse("0123456789abcdef0123456789abcdef");
  e.patient = PatientId(patient);
  e.rule = RuleName(rule);
  e.state = state;
  return e;
}

class AlertStateWriterTest : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  FakeRedis redis;
  RedisConfig config;
  Metrics metrics{1};
  spdlog::logger log{"test", std::make_shared<spdlog::sinks::null_sink_mt>()};
  AlertStateWriter writer{io, redis, config, metrics, log, {.max_stream_backlog = 3}};

  void run() {
    io.restart();
    io.poll();
  }

  // What the notifier does with one transition: the stream entry when it is
  // emitted, the active state once the broker has acknowledged it.
  void record(const AlertEvent& e, const std::string& json) {
    writer.emitted(e, json);
    writer.delivered(e, json);
  }
};

TEST_F(AlertStateWriterTest, TransitionGoesToActiveHashAndStream) {
  record(event("p1", "spo2_low", AlertState::raised), "{json-raised}");
  run();
  ASSERT_EQ(redis.sent.size(), 2u);
  EXPECT_EQ(redis.sent[0].argv,
            (std::vector<std::string>{"XADD", "vitalsd:alerts", "MAXLEN", "~", "1000000", "*",
                                      "json", "{json-raised}", "patient", "p1", "rule",
                                      "spo2_low", "state", "raised"}));
  EXPECT_EQ(redis.sent[1].argv,
            (std::vector<std::string>{"HSET", "vitalsd:active:p1", "spo2_low", "{json-raised}"}));
  redis.reply_ok_all();
  record(event("p1", "spo2_low", AlertState::cleared), "{json-cleared}");
  run();
  ASSERT_EQ(redis.sent.size(), 2u);
  EXPECT_EQ(redis.sent[1].argv,
            (std::vector<std::string>{"HDEL", "vitalsd:active:p1", "spo2_low"}));
}

TEST_F(AlertStateWriterTest, DuringAnOutageWritesAreParkedAndReconciledInOrder) {
  record(event("p1", "r", AlertState::raised), "{a}");
  run();
  redis.fail_all();  // both the HSET and the XADD fail
  redis.is_up = false;
  record(event("p1", "r", AlertState::escalated), "{b}");
  run();
  ASSERT_EQ(redis.sent.size(), 1u) << "the active write is tried; the stream waits";
  redis.fail_all(RedisFailure::Kind::circuit_open);
  writer.reconcile();  // still down: nothing happens
  EXPECT_TRUE(redis.sent.empty());

  redis.is_up = true;
  writer.reconcile();
  // Stream entries in their original order; the active hash only in its newest state.
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < redis.sent.size(); ++i) {
    const auto& argv = redis.sent[i].argv;
    seen.push_back(argv[0] == "XADD" ? "XADD " + argv[7] : argv[0] + " " + argv[3]);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"XADD {a}", "XADD {b}", "HSET {b}"}));
  redis.reply_ok_all();
  writer.reconcile();
  EXPECT_TRUE(redis.sent.empty()) << "nothing left to reconcile";
}

TEST_F(AlertStateWriterTest, ANewerWriteSupersedesAParkedOne) {
  record(event("p1", "r", AlertState::raised), "{a}");
  run();
  redis.reply(FakeRedis::status("1"));  // XADD ok
  redis.fail();           // HSET {a} fails and is parked
  record(event("p1", "r", AlertState::cleared), "{c}");
  run();
  redis.reply_ok_all();   // XADD and HDEL ok
  writer.reconcile();
  EXPECT_TRUE(redis.sent.empty()) << "the parked HSET must not resurrect a cleared alert";
}

TEST_F(AlertStateWriterTest, AReconnectWritesEveryActiveAlertAgain) {
  // The Redis that answers after a reconnect may have lost everything: the
  // active alerts (restored ones included) are written again, cleared ones not.
  RestoredAlert restored;
  restored.patient = PatientId("p0");
  restored.rule = "r";
  restored.json = "{restored}";
  writer.seed_active({restored});
  record(event("p1", "r", AlertState::raised), "{a}");
  record(event("p2", "r", AlertState::raised), "{b}");
  writer.active(event("p2", "r", AlertState::cleared), "{c}");
  run();
  redis.reply_ok_all();
  writer.reconnected();
  std::vector<std::string> rewritten;
  for (const auto& c : redis.sent) {
    rewritten.push_back(c.argv[0] + " " + c.argv[1] + " " + c.argv[3]);
  }
  std::sort(rewritten.begin(), rewritten.end());
  EXPECT_EQ(rewritten, (std::vector<std::string>{"HSET vitalsd:active:p0 {restored}",
                                                 "HSET vitalsd:active:p1 {a}"}));
  redis.reply_ok_all();
  writer.reconcile();
  EXPECT_TRUE(redis.sent.empty()) << "written once per reconnect, not on every reconcile";
}

TEST_F(AlertStateWriterTest, StreamBacklogIsBoundedDroppingTheOldest) {
  record(event("p1", "r", AlertState::raised), "{1}");
  run();
  redis.fail_all();
  for (int i = 2; i <= 5; ++i) {
    record(event("p1", "r", AlertState::escalated), "{" + std::to_string(i) + "}");
    run();
    redis.fail_all();
  }
  writer.reconcile();
  std::vector<std::string> stream;
  for (const auto& s : redis.sent) {
    if (s.argv[0] == "XADD") stream.push_back(s.argv[7]);
  }
  EXPECT_EQ(stream, (std::vector<std::string>{"{3}", "{4}", "{5}"}));
}

TEST_F(AlertStateWriterTest, LatestHashHoldsValuesTsAndNews2) {
  LatestSnapshot s;
  s.patient = PatientId("p9");
  Reading r;
  r.ts_ms = 1'795'255'200'123;
  r.received_ms = r.ts_ms + 5;
  r.vitals.set(Vital::hr, 72);
  r.vitals.set(Vital::temp, 36.8);
  r.o2 = false;
  s.latest.update(r);
  s.news2 = 2;
  writer.latest({s});
  run();
  ASSERT_EQ(redis.sent.size(), 1u);
  EXPECT_EQ(redis.sent[0].argv,
            (std::vector<std::string>{"HSET", "vitalsd:latest:p9", "hr", "72", "temp", "36.8", "o2",
                                      "0", "ts", "1795255200123", "news2", "2"}));
}

TEST_F(AlertStateWriterTest, AnErrorReplyIsNotRetried) {
  record(event("p1", "r", AlertState::raised), "{a}");
  run();
  redis.reply(FakeRedis::error("WRONGTYPE"));
  redis.reply(FakeRedis::error("WRONGTYPE"));
  writer.reconcile();
  EXPECT_TRUE(redis.sent.empty());
  EXPECT_EQ(metrics.redis_errors("active_write").Value(), 1);
  EXPECT_EQ(metrics.redis_errors("stream_add").Value(), 1);
}

}  // namespace
}  // namespace vitalsd
