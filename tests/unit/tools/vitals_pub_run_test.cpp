// The sending loop: bounds, absolute-deadline pacing, splitting patients
// between senders, failures and stops, and the tallies the report is made of.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "expected_alerts.h"
#include "report.h"
#include "run.h"
#include "vitals_pub_test_support.h"

namespace vitals_pub {
namespace {

using testing::FakeRunClock;
using testing::RecordingPublisher;

WardPlan ward(std::size_t patients, std::vector<ScenarioRequest> scenarios = {},
              std::uint64_t seed = 5) {
  WardOptions o;
  o.seed = seed;
  o.patients = patients;
  o.time_scale = 60;
  o.min_hold_s = 10;
  o.artefact_rate = 0.2;
  o.scenarios = std::move(scenarios);
  return std::move(plan_ward(o)).value();
}

TEST(VitalsPubRun, LimitsTable) {
  struct Case {
    Schedule schedule;
    std::optional<std::uint64_t> count;
    std::optional<double> duration_s;
    double script_end_s;
    std::uint64_t max_slots;
    std::optional<std::int64_t> wall_ns;
  };
  constexpr auto kAll = std::numeric_limits<std::uint64_t>::max();
  const Case cases[] = {
      {{10, 100}, 500, {}, 0, 500, {}},
      {{10, 100}, {}, 2.5, 0, 250, {}},   // paced duration: the slots due before it
      {{10, 100}, 100, 2.5, 0, 100, {}},  // both: whichever comes first
      {{10, 3}, {}, 1.0, 0, 3, {}},
      {{10, 7}, {}, 1.0, 0, 7, {}},
      {{10, 100}, {}, {}, 30, 3000, {}},           // the script's own length
      {{10, 0}, {}, 2.0, 0, kAll, 2'000'000'000},  // flat out: wall clock
      {{10, 0}, 50, {}, 0, 50, {}},
      {{10, 0}, {}, {}, 30, 300, {}},  // flat out script: once a second each
  };
  for (const Case& c : cases) {
    const RunLimits l = run_limits(c.schedule, c.count, c.duration_s, c.script_end_s);
    EXPECT_EQ(l.max_slots, c.max_slots) << c.schedule.rate;
    EXPECT_EQ(l.wall_ns, c.wall_ns) << c.schedule.rate;
  }
}

TEST(VitalsPubRun, PacesOnAbsoluteDeadlinesAndStopsAtTheCount) {
  // Given 3 patients at 7 readings/s, bounded to 100 readings
  const WardPlan w = ward(3);
  const Schedule s{3, 7};
  RecordingPublisher pub;
  FakeRunClock clock;
  Sender sender(w, s, run_limits(s, 100, {}, 0), "vitals", 0, 1, pub, clock);
  std::stop_source stop;
  // When it runs from t = 1 s
  sender.run(1'000'000'000, stop);
  // Then it sends exactly 100, each deadline at start + n / rate (never
  // start + accumulated intervals, so no drift), round-robin over patients
  ASSERT_EQ(pub.sent.size(), 100U);
  ASSERT_EQ(clock.deadlines.size(), 100U);
  for (std::size_t n = 0; n < 100; ++n) {
    EXPECT_EQ(clock.deadlines[n], 1'000'000'000 + std::llround(static_cast<double>(n) / 7 * 1e9));
    EXPECT_EQ(pub.sent[n].topic, "vitals/p-000" + std::to_string(n % 3 + 1));
  }
  EXPECT_EQ(sender.tally().messages, 100U);
  EXPECT_EQ(sender.tally().patients[0].slots, 34U);
  EXPECT_EQ(sender.messages_so_far(), 100U);
}

TEST(VitalsPubRun, APlanPlaysTheRunOnScheduleInNoTime) {
  // Given the plan's clock and a publisher that discards
  const WardPlan w = ward(3);
  const Schedule s{3, 7};
  DiscardingPublisher discard;
  PlanClock clock;
  Sender planned(w, s, run_limits(s, 100, {}, 0), "vitals", 0, 1, discard, clock);
  std::stop_source stop;
  // When the run is played through
  planned.run(0, stop);
  // Then it tallies what a real run sends, every message on its deadline,
  // with times from the start
  RecordingPublisher pub;
  FakeRunClock fake;
  Sender real(w, s, run_limits(s, 100, {}, 0), "vitals", 0, 1, pub, fake);
  real.run(0, stop);
  EXPECT_EQ(planned.tally().messages, real.tally().messages);
  EXPECT_EQ(planned.tally().patients[2].slots, real.tally().patients[2].slots);
  EXPECT_EQ(planned.tally().max_lag_ns, 0);
  EXPECT_EQ(planned.tally().first_wall_ms, 0);
  EXPECT_EQ(planned.tally().last_wall_ms, 99'000 / 7);  // slot 99 is due at 99/7 s
}

TEST(VitalsPubRun, TimestampsAreTheSendTime) {
  const WardPlan w = ward(2);
  const Schedule s{2, 4};
  RecordingPublisher pub;
  FakeRunClock clock;
  Sender sender(w, s, run_limits(s, 8, {}, 0), "vitals", 0, 1, pub, clock);
  std::stop_source stop;
  sender.run(0, stop);
  for (std::size_t n = 0; n < pub.sent.size(); ++n) {
    const std::string ts = std::to_string(FakeRunClock::kWallAtZero + 250 * n);
    EXPECT_TRUE(pub.sent[n].payload.starts_with("{\"ts\":" + ts + ",")) << pub.sent[n].payload;
  }
}

TEST(VitalsPubRun, FlatOutStopsOnTheWallClock) {
  // Given flat out for 1 s, with each clock read taking 1 ms of fake time
  const WardPlan w = ward(4);
  const Schedule s{4, 0};
  RecordingPublisher pub;
  FakeRunClock clock(1'000'000);
  Sender sender(w, s, run_limits(s, {}, 1.0, 0), "vitals", 0, 1, pub, clock);
  std::stop_source stop;
  sender.run(0, stop);
  // Then it stops (a few hundred sends in) and never sleeps
  EXPECT_GT(pub.sent.size(), 100U);
  EXPECT_LT(pub.sent.size(), 1000U);
  EXPECT_TRUE(clock.deadlines.empty());
}

TEST(VitalsPubRun, SendersSplitPatientsAndSendTheSamePayloads) {
  // Given the same ward sent by one sender, and by three
  const WardPlan w = ward(7, {{"sepsis", "2"}, {"artefacts", "3"}});
  const Schedule s{7, 70};
  const RunLimits limits = run_limits(s, 700, {}, 0);
  std::stop_source stop;
  RecordingPublisher one;
  FakeRunClock c1;
  Sender(w, s, limits, "vitals", 0, 1, one, c1).run(0, stop);
  std::map<std::string, std::vector<std::string>> split;
  std::size_t total = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    RecordingPublisher pub;
    FakeRunClock clock;
    Sender(w, s, limits, "vitals", i, 3, pub, clock).run(0, stop);
    total += pub.sent.size();
    for (const auto& m : pub.sent) {
      // Then each patient is sent by exactly one sender
      EXPECT_EQ((m.topic.back() - '1') % 3, static_cast<int>(i)) << m.topic;
      split[m.topic].push_back(m.payload);
    }
  }
  // And per patient the payloads are the same, in the same order
  std::map<std::string, std::vector<std::string>> whole;
  for (const auto& m : one.sent) whole[m.topic].push_back(m.payload);
  EXPECT_EQ(total, 700U);
  EXPECT_EQ(split, whole);
}

TEST(VitalsPubRun, APublishFailureStopsEveryoneAndIsReported) {
  const WardPlan w = ward(2);
  const Schedule s{2, 100};
  RecordingPublisher pub;
  pub.fail_after = 5;
  FakeRunClock clock;
  Sender sender(w, s, run_limits(s, 100, {}, 0), "vitals", 0, 1, pub, clock);
  std::stop_source stop;
  sender.run(0, stop);
  EXPECT_EQ(pub.sent.size(), 5U);
  EXPECT_EQ(sender.tally().messages, 5U);
  EXPECT_EQ(sender.tally().error, "broker went away");
  EXPECT_TRUE(stop.stop_requested());
}

TEST(VitalsPubRun, AStopRequestEndsTheRun) {
  const WardPlan w = ward(2);
  const Schedule s{2, 100};
  RecordingPublisher pub;
  FakeRunClock clock;
  Sender sender(w, s, run_limits(s, 100, {}, 0), "vitals", 0, 1, pub, clock);
  std::stop_source stop;
  stop.request_stop();
  sender.run(0, stop);
  EXPECT_TRUE(pub.sent.empty());
}

TEST(VitalsPubRun, TalliesPhasesArtefactsAndSilence) {
  // Given a dropout patient and an artefacts patient, one reading each per second
  const WardPlan w = ward(2, {{"dropout", "1"}, {"artefacts", "2"}});
  const Schedule s{2, 2};
  RecordingPublisher pub;
  FakeRunClock clock;
  // When the whole script (300 s) runs
  Sender sender(w, s, run_limits(s, {}, {}, w.script_end_s()), "vitals", 0, 1, pub, clock);
  std::stop_source stop;
  sender.run(0, stop);
  const SendTally& t = sender.tally();
  // Then the dropout patient went through 300 slots but sent only the 120 outside the gap
  EXPECT_EQ(t.patients[0].slots, 300U);
  EXPECT_EQ(t.patients[0].messages, 120U);
  ASSERT_EQ(t.patients[0].phases.size(), 4U);
  EXPECT_EQ(t.patients[0].phases[0].messages, 60U);
  EXPECT_EQ(t.patients[0].phases[1].messages, 0U);
  EXPECT_EQ(t.patients[0].phases[2].messages, 60U);
  EXPECT_EQ(t.patients[0].phases[2].first_ms, FakeRunClock::kWallAtZero + 240'000);
  // And the artefacts are counted by kind, about a fifth of the other patient's
  std::uint64_t artefacts = 0;
  for (auto n : t.artefacts) artefacts += n;
  EXPECT_EQ(artefacts, t.patients[1].artefacts);
  EXPECT_GT(artefacts, 30U);
  EXPECT_LT(artefacts, 100U);
  EXPECT_EQ(t.messages, pub.sent.size());
}

TEST(VitalsPubRun, AchievedRateCountsIntervals) {
  SendTally t;
  t.messages = 1001;
  t.first_mono_ns = 0;
  t.last_mono_ns = 2'000'000'000;
  EXPECT_DOUBLE_EQ(achieved_rate(t), 500.0);
  t.messages = 1;
  EXPECT_EQ(achieved_rate(t), 0.0);
}

TEST(VitalsPubRun, MergeKeepsEachSendersPatients) {
  SendTally a, b;
  a.patients.resize(2);
  b.patients.resize(2);
  a.patients[0].slots = 3;
  b.patients[1].slots = 4;
  a.messages = 3;
  b.messages = 4;
  a.first_mono_ns = 10;
  b.first_mono_ns = 5;
  a.last_mono_ns = 50;
  b.last_mono_ns = 40;
  SendTally m;
  m.merge(a);
  m.merge(b);
  EXPECT_EQ(m.messages, 7U);
  EXPECT_EQ(m.patients[0].slots, 3U);
  EXPECT_EQ(m.patients[1].slots, 4U);
  EXPECT_EQ(m.first_mono_ns, 5);
  EXPECT_EQ(m.last_mono_ns, 50);
}

TEST(VitalsPubReport, IsJsonWithWhatWasSentAndWhatToExpect) {
  // Given a short run with a dropout and an artefacts patient
  const WardPlan w = ward(3, {{"dropout", "1"}, {"artefacts", "2"}});
  const Schedule s{3, 3};
  RecordingPublisher pub;
  FakeRunClock clock;
  Sender sender(w, s, run_limits(s, {}, {}, w.script_end_s()), "vitals", 0, 1, pub, clock);
  std::stop_source stop;
  sender.run(0, stop);
  Options o;
  o.patients = 3;
  o.rate = 3;
  o.scenarios = w.options.scenarios;
  RunSummary sum;
  sum.options = &o;
  sum.seed = 5;
  sum.ward = &w;
  sum.schedule = s;
  sum.tally = &sender.tally();
  sum.start_wall_ms = FakeRunClock::kWallAtZero;
  sum.unavailable_reason = "no rules in this test";
  // When the report is written
  const std::string json = report_json(sum);
  // Then it parses, and its counts add up
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc = parser.parse(padded);
  EXPECT_EQ(std::uint64_t(doc["sent_total"]), pub.sent.size());
  EXPECT_EQ(std::uint64_t(doc["seed"]), 5U);
  std::uint64_t per_patient = 0;
  for (auto p : doc["patients"].get_array()) per_patient += std::uint64_t(p["sent"]);
  EXPECT_EQ(per_patient, pub.sent.size());
  EXPECT_EQ(std::uint64_t(doc["artefacts"]["total"]),
            std::uint64_t(doc["expected_rejections"]["total"]));
  std::uint64_t by_reason = 0;
  for (auto [reason, n] : doc["expected_rejections"]["by_reason"].get_object()) {
    by_reason += std::uint64_t(n);
  }
  EXPECT_EQ(by_reason, std::uint64_t(doc["artefacts"]["total"]));
  std::vector<std::string> phases;
  for (auto p : doc["phases"].get_array()) phases.emplace_back(std::string_view(p["phase"]));
  EXPECT_EQ(phases, (std::vector<std::string>{"connected", "dropout", "reconnected"}));
  EXPECT_FALSE(bool(doc["expected_alerts"]["available"]));
  EXPECT_EQ(std::string_view(doc["expected_alerts"]["reason"]), "no rules in this test");
}

TEST(VitalsPubReport, ListsExpectedAlertsAndTheProfilesTheyAssume) {
  // Given a copd patient and a dropout patient, one reading each per second
  const WardPlan w = ward(2, {{"copd", "1"}, {"dropout", "2"}});
  const Schedule s{2, 2};
  RecordingPublisher pub;
  FakeRunClock clock;
  Sender sender(w, s, run_limits(s, {}, {}, w.script_end_s()), "vitals", 0, 1, pub, clock);
  std::stop_source stop;
  sender.run(0, stop);
  // And rules with an SpO2 threshold, NEWS2 and signal_lost
  vitalsd::RuleSet rules;
  vitalsd::ThresholdRule spo2;
  spo2.name = "spo2_low";
  spo2.metric = Vital::spo2;
  spo2.levels = {{94, Severity::low}, {92, Severity::medium}};
  spo2.for_duration = std::chrono::seconds(15);
  rules.thresholds.push_back(spo2);
  rules.news2.enabled = true;
  rules.signal_lost.enabled = true;
  ExpectationContext ctx;
  ctx.ward = &w;
  ctx.model_rate = 2;
  for (const auto& p : sender.tally().patients) ctx.slots.push_back(p.slots);
  ctx.start_wall_ms = FakeRunClock::kWallAtZero;
  ctx.slack_ms = 1250;
  Options o;
  o.patients = 2;
  o.rate = 2;
  RunSummary sum;
  sum.options = &o;
  sum.ward = &w;
  sum.schedule = s;
  sum.tally = &sender.tally();
  sum.start_wall_ms = FakeRunClock::kWallAtZero;
  sum.rules = &rules;
  sum.rules_path = "/rules";
  sum.slack_ms = ctx.slack_ms;
  sum.expectations = expect_alerts(rules, ctx);
  // When the report is written
  simdjson::dom::parser parser;
  simdjson::padded_string padded(report_json(sum));
  simdjson::dom::element doc = parser.parse(padded);
  // Then the copd profile is spelled out for the monitor's Redis hash
  simdjson::dom::element profile = doc["profiles"].at(0);
  EXPECT_EQ(std::string_view(profile["patient"]), "p-0001");
  EXPECT_EQ(std::string_view(profile["fields"]["news2_scale"]), "2");
  EXPECT_EQ(std::string_view(profile["fields"]["spo2_low.low"]), "88");
  // And the expected alerts carry every field a checker needs
  simdjson::dom::element ex = doc["expected_alerts"];
  EXPECT_TRUE(bool(ex["available"]));
  EXPECT_EQ(std::int64_t(ex["slack_ms"]), 1250);
  std::set<std::string> seen;
  for (simdjson::dom::element a : ex["alerts"].get_array()) {
    seen.insert(std::string(std::string_view(a["patient"])) + " " +
                std::string(std::string_view(a["rule"])));
    for (const char* key :
         {"metric", "scenario", "phase", "certain", "severity", "max_severity", "raise_earliest_ms",
          "raise_latest_ms", "clear", "clear_earliest_ms", "clear_latest_ms"}) {
      EXPECT_EQ(a[key].error(), simdjson::SUCCESS) << key;
    }
  }
  EXPECT_EQ(seen, (std::set<std::string>{"p-0001 news2", "p-0002 signal_lost"}));
}

}  // namespace
}  // namespace vitals_pub
