#include "dispatch/worker_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "telemetry/metrics.h"
#include "test_support.h"

namespace vitalsd {
namespace {

using testing::make_reading;
using testing::make_rule;
using testing::RecordingAlertSink;

std::shared_ptr<const RuleSet> spo2_rules(double low_threshold) {
  auto rs = std::make_shared<RuleSet>();
  rs->thresholds.push_back(make_rule("spo2_low", Vital::spo2, Direction::below,
                                     {{low_threshold, Severity::low}}, {}, 1));
  return rs;
}

TEST(ShardOf, IsStableAndSpreadsPatients) {
  EXPECT_EQ(shard_of("p-001", 4), shard_of("p-001", 4));
  std::set<std::uint32_t> used;
  for (int i = 0; i < 100; ++i) used.insert(shard_of("p-" + std::to_string(i), 4));
  EXPECT_EQ(used.size(), 4u);
}

TEST(WorkerPool, EveryReadingIsProcessedOnceAndPerPatientOrderHolds) {
  FakeClock clock;
  RecordingAlertSink sink;
  RulesBroadcast rules(spo2_rules(92));
  Metrics metrics(3);
  // Tiny queues, so ingest is held back many times.
  WorkerPool pool({.workers = 3, .queue_capacity = 4}, clock, sink, rules, metrics);
  pool.start();
  constexpr int kPatients = 50, kPerPatient = 200;
  for (int i = 0; i < kPerPatient; ++i) {
    for (int p = 0; p < kPatients; ++p) {
      // Alternate breach / recovery so every patient raises and clears in order.
      const double spo2 = (i % 2 == 0) ? 90 : 97;
      ASSERT_TRUE(pool.accept(make_reading("p" + std::to_string(p), i, {{Vital::spo2, spo2}})));
    }
  }
  pool.stop();
  std::uint64_t processed = 0;
  for (unsigned w = 0; w < 3; ++w) processed += metrics.worker(w).processed.value();
  EXPECT_EQ(processed, static_cast<std::uint64_t>(kPatients * kPerPatient));
  EXPECT_GT(metrics.ingest().queue_full_waits.value(), 0u) << "the small queues did fill up";

  std::map<std::string, std::vector<AlertState>> per_patient;
  for (const auto& e : sink.events()) per_patient[e.patient.str()].push_back(e.state);
  ASSERT_EQ(per_patient.size(), static_cast<std::size_t>(kPatients));
  for (const auto& [patient, states] : per_patient) {
    ASSERT_EQ(states.size(), static_cast<std::size_t>(kPerPatient)) << patient;
    for (std::size_t i = 0; i < states.size(); ++i) {
      ASSERT_EQ(states[i], i % 2 == 0 ? AlertState::raised : AlertState::cleared)
          << patient << " event " << i;
    }
  }
}

TEST(WorkerPool, NewRulesApplyFromTheNextReading) {
  FakeClock clock;
  RecordingAlertSink sink;
  RulesBroadcast rules(spo2_rules(92));
  Metrics metrics(1);
  WorkerPool pool({.workers = 1, .queue_capacity = 16}, clock, sink, rules, metrics);
  pool.start();
  pool.accept(make_reading("p1", 1, {{Vital::spo2, 93}}));  // fine under 92
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (metrics.worker(0).processed.value() < 1) {
    ASSERT_LT(std::chrono::steady_clock::now(), until);
    std::this_thread::yield();
  }
  rules.publish(spo2_rules(95));
  pool.wake_all();
  pool.accept(make_reading("p1", 2, {{Vital::spo2, 93}}));  // breaches 95
  pool.stop();
  ASSERT_EQ(sink.events().size(), 1u);
  EXPECT_EQ(sink.events()[0].reading_ts_ms, 2);
  EXPECT_EQ(sink.events()[0].threshold, 95);
}

TEST(WorkerPool, AcceptAfterStopIsRefused) {
  FakeClock clock;
  RecordingAlertSink sink;
  RulesBroadcast rules(spo2_rules(92));
  Metrics metrics(1);
  WorkerPool pool({.workers = 1, .queue_capacity = 16}, clock, sink, rules, metrics);
  pool.start();
  pool.stop();
  EXPECT_FALSE(pool.accept(make_reading("p1", 1, {{Vital::spo2, 80}})));
}

}  // namespace
}  // namespace vitalsd
