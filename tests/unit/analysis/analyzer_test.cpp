#include "analysis/analyzer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.h"

namespace vitalsd {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using testing::make_reading;
using testing::make_rule;
using testing::RecordingAlertSink;

std::shared_ptr<const RuleSet> rules_with(std::vector<ThresholdRule> thresholds) {
  auto rs = std::make_shared<RuleSet>();
  rs->thresholds = std::move(thresholds);
  return rs;
}

ThresholdRule spo2_low() {
  return make_rule("spo2_low", Vital::spo2, Direction::below,
                   {{92, Severity::low}, {90, Severity::medium}, {85, Severity::high}}, 0ms, 1);
}
ThresholdRule hr_high() {
  return make_rule("hr_high", Vital::hr, Direction::above,
                   {{110, Severity::low}, {130, Severity::medium}}, 0ms, 5);
}

class AnalyzerTest : public ::testing::Test {
 protected:
  FakeClock clock{1'763'719'200'000};
  RecordingAlertSink sink;
};

TEST_F(AnalyzerTest, EvaluatesEveryRuleWhoseMetricTheReadingCarries) {
  Analyzer a(clock, sink, rules_with({spo2_low(), hr_high()}));
  a.on_reading(make_reading("p1", 1000, {{Vital::spo2, 89}, {Vital::hr, 135}}, "wb-1"));
  EXPECT_THAT(sink.summary(),
              ElementsAre("p1:spo2_low:raised:medium", "p1:hr_high:raised:medium"));
}

TEST_F(AnalyzerTest, AlertCarriesTheCausingReading) {
  Analyzer a(clock, sink, rules_with({spo2_low()}));
  auto r = make_reading("p1", 1000, {{Vital::spo2, 89}}, "wb-0042");
  r.received_mono_ns = 777;
  a.on_reading(r);
  ASSERT_EQ(sink.events().size(), 1u);
  const AlertEvent e = sink.events()[0];
  EXPECT_EQ(e.patient, "p1");
  EXPECT_EQ(e.metric, "spo2");
  EXPECT_EQ(e.value, 89);
  EXPECT_EQ(e.threshold, 90);
  EXPECT_EQ(e.reading_ts_ms, 1000);
  EXPECT_EQ(e.device, "wb-0042");
  EXPECT_EQ(e.emitted_ms, clock.wall_ms());
  EXPECT_EQ(e.received_mono_ns, 777);
  EXPECT_FALSE(e.reason);
}

TEST_F(AnalyzerTest, ReadingWithoutTheMetricLeavesTheRuleAlone) {
  Analyzer a(clock, sink, rules_with({spo2_low()}));
  a.on_reading(make_reading("p1", 1000, {{Vital::spo2, 89}}));
  a.on_reading(make_reading("p1", 2000, {{Vital::hr, 70}}));  // no spo2: no clear
  a.on_reading(make_reading("p1", 3000, {{Vital::spo2, 95}}));
  EXPECT_THAT(sink.summary(), ElementsAre("p1:spo2_low:raised:medium", "p1:spo2_low:cleared:medium"));
}

TEST_F(AnalyzerTest, PatientsAreIndependent) {
  Analyzer a(clock, sink, rules_with({spo2_low()}));
  a.on_reading(make_reading("p1", 1000, {{Vital::spo2, 89}}));
  a.on_reading(make_reading("p2", 1000, {{Vital::spo2, 97}}));
  a.on_reading(make_reading("p2", 2000, {{Vital::spo2, 84}}));
  a.on_reading(make_reading("p1", 2000, {{Vital::spo2, 89}}));
  EXPECT_THAT(sink.summary(), ElementsAre("p1:spo2_low:raised:medium", "p2:spo2_low:raised:high"));
  EXPECT_EQ(a.patient_count(), 2u);
}

TEST_F(AnalyzerTest, CountsActiveAlertsBySeverity) {
  Analyzer a(clock, sink, rules_with({spo2_low(), hr_high()}));
  a.on_reading(make_reading("p1", 1, {{Vital::spo2, 91}, {Vital::hr, 120}}));
  EXPECT_EQ(a.active_alerts(), (ActiveAlertCounts{2, 0, 0}));
  a.on_reading(make_reading("p1", 2, {{Vital::spo2, 84}}));
  EXPECT_EQ(a.active_alerts(), (ActiveAlertCounts{1, 0, 1}));
  a.on_reading(make_reading("p1", 3, {{Vital::spo2, 99}, {Vital::hr, 80}}));
  EXPECT_EQ(a.active_alerts(), (ActiveAlertCounts{0, 0, 0}));
}

TEST_F(AnalyzerTest, ForgetsIdlePatientsButNeverOneWithAnActiveAlert) {
  Analyzer a(clock, sink, rules_with({spo2_low()}), nullptr,
             AnalyzerOptions{.forget_idle_after = 10min});
  // 2,000 patients: every other one keeps an alert open, so the forgotten
  // ones leave holes all over the patient index.
  constexpr int kPatients = 2000;
  auto id = [](int i) { return "p-" + std::to_string(i); };
  for (int i = 0; i < kPatients; ++i) {
    a.on_reading(make_reading(id(i), 1000, {{Vital::spo2, i % 2 == 0 ? 89.0 : 97.0}}));
  }
  ASSERT_EQ(a.active_alerts(), (ActiveAlertCounts{0, kPatients / 2, 0}));
  clock.advance(9min);
  a.on_tick();
  EXPECT_EQ(a.patient_count(), std::size_t{kPatients}) << "not idle for 10 minutes yet";
  clock.advance(2min);
  a.on_tick();
  EXPECT_EQ(a.patient_count(), std::size_t{kPatients / 2});

  // The ones kept are found again: their alert clears under its own id.
  const std::vector<AlertEvent> raised = sink.events();
  for (int i = 0; i < kPatients; i += 2) {
    a.on_reading(make_reading(id(i), 2000, {{Vital::spo2, 97}}));
  }
  const std::vector<AlertEvent> all = sink.events();
  ASSERT_EQ(all.size(), raised.size() + kPatients / 2);
  for (int i = 0; i < kPatients / 2; ++i) {
    const AlertEvent& cleared = all[raised.size() + static_cast<std::size_t>(i)];
    EXPECT_EQ(cleared.state, AlertState::cleared);
    EXPECT_EQ(cleared.id, raised[static_cast<std::size_t>(i)].id) << cleared.patient.view();
  }
  // A forgotten one that comes back starts afresh.
  a.on_reading(make_reading(id(1), 3000, {{Vital::spo2, 89}}));
  EXPECT_EQ(sink.summary().back(), "p-1:spo2_low:raised:medium");
  EXPECT_EQ(a.patient_count(), std::size_t{kPatients / 2 + 1});
}

TEST_F(AnalyzerTest, ReloadKeepsStateOfRulesThatKeepTheirName) {
  Analyzer a(clock, sink, rules_with({spo2_low(), hr_high()}));
  a.on_reading(make_reading("p1", 1, {{Vital::spo2, 89}}));
  // New set: spo2_low moved position and its medium threshold changed.
  ThresholdRule changed = spo2_low();
  changed.levels[1].threshold = 88;
  a.set_rules(rules_with({hr_high(), changed}));
  EXPECT_THAT(sink.summary(), ElementsAre("p1:spo2_low:raised:medium")) << "no re-raise, no clear";
  a.on_reading(make_reading("p1", 2, {{Vital::spo2, 89}}));
  EXPECT_EQ(sink.events().size(), 1u) << "steady breach after reload stays one alert";
  a.on_reading(make_reading("p1", 3, {{Vital::spo2, 95}}));
  ASSERT_EQ(sink.events().size(), 2u);
  EXPECT_EQ(sink.events()[1].state, AlertState::cleared);
  EXPECT_EQ(sink.events()[1].id, sink.events()[0].id) << "cleared under the original id";
}

TEST_F(AnalyzerTest, ReloadClearsActiveAlertsOfRemovedRulesWithAReason) {
  Analyzer a(clock, sink, rules_with({spo2_low(), hr_high()}));
  a.on_reading(make_reading("p1", 1, {{Vital::spo2, 89}, {Vital::hr, 120}}));
  a.set_rules(rules_with({hr_high()}));
  ASSERT_EQ(sink.events().size(), 3u);
  const AlertEvent cleared = sink.events()[2];
  EXPECT_EQ(cleared.rule, "spo2_low");
  EXPECT_EQ(cleared.state, AlertState::cleared);
  EXPECT_EQ(cleared.id, sink.events()[0].id);
  EXPECT_EQ(cleared.reason, ClearReason::rule_removed);
  EXPECT_FALSE(cleared.value) << "no reading caused this clear";
  EXPECT_EQ(a.active_alerts(), (ActiveAlertCounts{1, 0, 0}));
}

}  // namespace
}  // namespace vitalsd

namespace vitalsd {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using testing::make_reading;
using testing::RecordingAlertSink;

std::shared_ptr<RuleSet> news2_and_signal_rules() {
  auto rs = std::make_shared<RuleSet>();
  rs->thresholds.push_back(spo2_low());
  rs->news2.enabled = true;
  rs->news2.window = 5min;
  rs->signal_lost.enabled = true;
  rs->signal_lost.after = 120s;
  rs->signal_lost.severity = Severity::medium;
  return rs;
}

Reading vitals(std::string_view patient, std::int64_t ts, double rr, double spo2, double sbp,
               double hr, double temp) {
  return make_reading(patient, ts,
                      {{Vital::rr, rr}, {Vital::spo2, spo2}, {Vital::sbp, sbp}, {Vital::hr, hr},
                       {Vital::temp, temp}});
}

std::vector<std::string> news2_only(const RecordingAlertSink& sink) {
  std::vector<std::string> out;
  for (const auto& e : sink.events()) {
    if (e.rule == "news2") {
      out.push_back(std::string(alert_state_name(e.state)) + ":" +
                    std::string(severity_name(e.severity)) + ":" +
                    std::to_string(e.news2 ? e.news2->score : -1) + ":" +
                    std::string(e.news2 ? news2_risk_name(e.news2->risk) : "-"));
    }
  }
  return out;
}

// Sends one ack and says which result it was counted under.
AckResult ack_once(Analyzer& a, const AckRequest& ack) {
  const auto before = a.ack_counts();
  a.on_ack(ack);
  const auto after = a.ack_counts();
  for (std::size_t i = 0; i < after.size(); ++i) {
    if (after[i] != before[i]) return static_cast<AckResult>(i);
  }
  ADD_FAILURE() << "the ack was not counted (held?)";
  return AckResult::inactive;
}

class AnalyzerClinicalTest : public ::testing::Test {
 protected:
  FakeClock clock{1'763'719'200'000};
  RecordingAlertSink sink;
};

TEST_F(AnalyzerClinicalTest, News2DeterioratesThroughEveryRiskAndRecovers) {
  Analyzer a(clock, sink, news2_and_signal_rules());
  std::int64_t t = 0;
  auto next = [&] { return t += 10'000; };
  a.on_reading(vitals("p", next(), 16, 97, 120, 70, 36.8));   // 0
  a.on_reading(vitals("p", next(), 16, 97, 120, 70, 35.0));   // temp 3: low-medium
  a.on_reading(vitals("p", next(), 22, 95, 120, 95, 35.0));   // 2+1+1+3 = 7?  no: see below
  a.on_reading(vitals("p", next(), 22, 96, 120, 95, 36.5));   // rr 2 + hr 1 = 3: low -> clear
  a.on_reading(vitals("p", next(), 22, 94, 120, 95, 36.5));   // 2+1+1 = 4: still low
  a.on_reading(vitals("p", next(), 22, 94, 105, 95, 36.5));   // +1 sbp = 5: medium
  a.on_reading(vitals("p", next(), 26, 91, 95, 125, 39.2));   // 3+3+2+2+2 = 12: high
  a.on_reading(vitals("p", next(), 22, 94, 105, 95, 36.5));   // 5: stays high (never drops)
  a.on_reading(vitals("p", next(), 16, 97, 120, 70, 36.8));   // 0: cleared
  EXPECT_THAT(news2_only(sink), ElementsAre("raised:low:3:low-medium",
                                            "escalated:high:7:high",
                                            "cleared:high:3:low",
                                            "raised:medium:5:medium",
                                            "escalated:high:12:high",
                                            "cleared:high:0:low"));
  const auto events = sink.events();
  const auto& high = *std::find_if(events.begin(), events.end(), [](const AlertEvent& e) {
    return e.rule == "news2" && e.state == AlertState::escalated;
  });
  EXPECT_EQ(high.metric, "news2");
  EXPECT_EQ(high.value, 7);
  EXPECT_EQ(high.threshold, 7);
  ASSERT_TRUE(high.news2);
  EXPECT_TRUE(high.news2->assumed_o2);
  EXPECT_TRUE(high.news2->assumed_acvpu);
}

TEST_F(AnalyzerClinicalTest, News2UsesProfileScaleAndDefaults) {
  Analyzer a(clock, sink, news2_and_signal_rules());
  auto copd = std::make_shared<PatientProfile>();
  copd->news2_scale = SpO2Scale::scale2;
  a.set_profile(PatientId("copd"), copd);
  a.on_reading(vitals("copd", 0, 16, 89, 120, 70, 36.8));
  a.on_reading(vitals("scale1", 0, 16, 89, 120, 70, 36.8));
  const auto events = sink.events();
  auto news2_for = [&](std::string_view patient) {
    return std::count_if(events.begin(), events.end(), [&](const AlertEvent& e) {
      return e.rule == "news2" && e.patient == patient;
    });
  };
  EXPECT_EQ(news2_for("copd"), 0) << "89% on air is on target on Scale 2";
  EXPECT_EQ(news2_for("scale1"), 1) << "89% scores 3 on Scale 1";
}

TEST_F(AnalyzerClinicalTest, SignalLostRaisesAfterQuietAndClearsOnTheNextReading) {
  Analyzer a(clock, sink, news2_and_signal_rules());
  Reading r = make_reading("p", 0, {{Vital::hr, 70}}, "wb-7");
  r.received_mono_ns = clock.mono_ns();
  a.on_reading(r);
  clock.advance(119'999ms);
  a.on_tick();
  EXPECT_TRUE(sink.events().empty());
  clock.advance(1ms);
  a.on_tick();
  a.on_tick();
  ASSERT_EQ(sink.events().size(), 1u) << "raised once, not once per tick";
  const AlertEvent lost = sink.events()[0];
  EXPECT_EQ(lost.rule, "signal_lost");
  EXPECT_EQ(lost.metric, "none");
  EXPECT_EQ(lost.state, AlertState::raised);
  EXPECT_EQ(lost.severity, Severity::medium);
  EXPECT_FALSE(lost.value);
  EXPECT_FALSE(lost.reading_ts_ms);
  EXPECT_EQ(a.active_alerts(), (ActiveAlertCounts{0, 1, 0}));

  r.received_mono_ns = clock.mono_ns();
  r.ts_ms = 200'000;
  a.on_reading(r);
  ASSERT_EQ(sink.events().size(), 2u);
  const AlertEvent back = sink.events()[1];
  EXPECT_EQ(back.state, AlertState::cleared);
  EXPECT_EQ(back.id, lost.id);
  EXPECT_EQ(back.reading_ts_ms, 200'000);
  EXPECT_EQ(back.device, "wb-7");
  EXPECT_EQ(a.active_alerts(), (ActiveAlertCounts{0, 0, 0}));
}

TEST_F(AnalyzerClinicalTest, AckAcknowledgesOnceAndEscalationNeedsANewAck) {
  Analyzer a(clock, sink, news2_and_signal_rules());
  a.on_reading(make_reading("p", 0, {{Vital::spo2, 91}}));
  AckRequest ack;
  ack.patient = PatientId("p");
  ack.rule = RuleName("spo2_low");
  ack.by = AckBy("rn-42");
  EXPECT_EQ(ack_once(a, ack), AckResult::acknowledged);
  EXPECT_EQ(ack_once(a, ack), AckResult::duplicate);
  a.on_reading(make_reading("p", 1, {{Vital::spo2, 84}}));
  EXPECT_EQ(ack_once(a, ack), AckResult::acknowledged) << "the escalation needs a new ack";
  a.on_reading(make_reading("p", 2, {{Vital::spo2, 99}}));
  EXPECT_EQ(ack_once(a, ack), AckResult::inactive);
  EXPECT_THAT(sink.summary(), ElementsAre("p:spo2_low:raised:low", "p:spo2_low:acknowledged:low",
                                          "p:spo2_low:escalated:high", "p:spo2_low:acknowledged:high",
                                          "p:spo2_low:cleared:high"));
  const auto acked = sink.events()[1];
  EXPECT_EQ(acked.id, sink.events()[0].id);
  EXPECT_EQ(acked.acked_by, "rn-42");
  EXPECT_FALSE(acked.value);
  EXPECT_FALSE(acked.reading_ts_ms);
}

TEST_F(AnalyzerClinicalTest, AcksForUnknownPatientsOrRulesAreInactive) {
  Analyzer a(clock, sink, news2_and_signal_rules());
  AckRequest ack;
  ack.patient = PatientId("nobody");
  ack.rule = RuleName("spo2_low");
  EXPECT_EQ(ack_once(a, ack), AckResult::inactive);
  a.on_reading(make_reading("p", 0, {{Vital::spo2, 91}}));
  ack.patient = PatientId("p");
  ack.rule = RuleName("no_such_rule");
  EXPECT_EQ(ack_once(a, ack), AckResult::inactive);
  ack.rule = RuleName("news2");
  EXPECT_EQ(ack_once(a, ack), AckResult::inactive);
}

TEST_F(AnalyzerClinicalTest, PausingClearsActiveAlertsAndSilencesThePatient) {
  Analyzer a(clock, sink, news2_and_signal_rules());
  Reading r = make_reading("p", 0, {{Vital::spo2, 89}});
  r.received_mono_ns = clock.mono_ns();
  a.on_reading(r);
  auto paused = std::make_shared<PatientProfile>();
  paused->paused = true;
  a.set_profile(PatientId("p"), paused);
  ASSERT_EQ(sink.events().size(), 2u);
  EXPECT_EQ(sink.events()[1].state, AlertState::cleared);
  EXPECT_EQ(sink.events()[1].reason, ClearReason::patient_paused);
  a.on_reading(make_reading("p", 1, {{Vital::spo2, 80}}));
  clock.advance(10min);
  a.on_tick();
  EXPECT_EQ(sink.events().size(), 2u) << "no alerts at all while paused, not even signal_lost";
  a.set_profile(PatientId("p"), nullptr);
  a.on_reading(make_reading("p", 2, {{Vital::spo2, 80}}));
  EXPECT_EQ(sink.events().size(), 3u) << "unpaused: judged again from the next reading";
}

TEST_F(AnalyzerClinicalTest, ProfileOverridesApplyToThatPatientOnly) {
  Analyzer a(clock, sink, news2_and_signal_rules());
  auto profile = std::make_shared<PatientProfile>();
  profile->overrides.push_back({RuleName("spo2_low"), Severity::low, 88});
  profile->overrides.push_back({RuleName("spo2_low"), Severity::medium, 86});
  profile->overrides.push_back({RuleName("spo2_low"), Severity::high, 80});
  a.set_profile(PatientId("copd"), profile);
  a.on_reading(make_reading("copd", 0, {{Vital::spo2, 89}}));
  a.on_reading(make_reading("other", 0, {{Vital::spo2, 89}}));
  EXPECT_THAT(sink.summary(), ElementsAre("other:spo2_low:raised:medium"));
  a.on_reading(make_reading("copd", 1, {{Vital::spo2, 85}}));
  EXPECT_EQ(sink.summary().back(), "copd:spo2_low:raised:medium");
}

TEST_F(AnalyzerClinicalTest, SwitchingNews2OffClearsItsAlerts) {
  Analyzer a(clock, sink, news2_and_signal_rules());
  a.on_reading(vitals("p", 0, 26, 97, 120, 70, 36.8));
  ASSERT_EQ(news2_only(sink).size(), 1u);
  auto off = news2_and_signal_rules();
  off->news2.enabled = false;
  a.set_rules(off);
  ASSERT_EQ(news2_only(sink).size(), 2u);
  EXPECT_EQ(sink.events().back().reason, ClearReason::rule_removed);
}

}  // namespace
}  // namespace vitalsd

namespace vitalsd {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using testing::make_reading;
using testing::RecordingAlertSink;

// Records profile requests; the test answers them by hand.
class FakeProfiles final : public ProfileRequester {
 public:
  void request_profile(const PatientId& patient) override { requested.push_back(patient.str()); }
  std::vector<std::string> requested;
};

std::shared_ptr<RuleSet> spo2_rules() {
  auto rs = std::make_shared<RuleSet>();
  rs->thresholds.push_back(spo2_low());
  return rs;
}

class AnalyzerProfileTest : public ::testing::Test {
 protected:
  FakeClock clock{1'763'719'200'000};
  RecordingAlertSink sink;
  FakeProfiles profiles;
  ProfilePolicy policy{.ttl = 30s, .retry_after = 5s, .max_hold = 2s, .max_held_readings = 3};
  Analyzer a{clock, sink, spo2_rules(), &profiles, {.profiles = policy, .export_latest = true}};

  static ProfileAnswer found(std::shared_ptr<PatientProfile> p) {
    return {ProfileAnswer::Kind::found, std::move(p)};
  }
};

TEST_F(AnalyzerProfileTest, FirstReadingsWaitForTheProfileThenAreJudgedWithIt) {
  a.on_reading(make_reading("copd", 1, {{Vital::spo2, 89}}));
  a.on_reading(make_reading("copd", 2, {{Vital::spo2, 89}}));
  EXPECT_THAT(profiles.requested, ElementsAre("copd")) << "one request, however many readings";
  EXPECT_TRUE(sink.events().empty()) << "held, not judged on defaults";
  auto profile = std::make_shared<PatientProfile>();
  profile->overrides.push_back({RuleName("spo2_low"), Severity::low, 88});
  profile->overrides.push_back({RuleName("spo2_low"), Severity::medium, 86});
  profile->overrides.push_back({RuleName("spo2_low"), Severity::high, 84});
  a.on_profile(PatientId("copd"), found(profile));
  EXPECT_TRUE(sink.events().empty()) << "89 is within this patient's target";
  a.on_reading(make_reading("copd", 3, {{Vital::spo2, 85}}));
  EXPECT_THAT(sink.summary(), ElementsAre("copd:spo2_low:raised:medium"));
}

TEST_F(AnalyzerProfileTest, APausedPatientIsNeverAlarmedEvenOnItsFirstReading) {
  a.on_reading(make_reading("gone", 1, {{Vital::spo2, 70}}));
  auto paused = std::make_shared<PatientProfile>();
  paused->paused = true;
  a.on_profile(PatientId("gone"), found(paused));
  EXPECT_TRUE(sink.events().empty());
}

TEST_F(AnalyzerProfileTest, UnavailableProfileReleasesHeldReadingsWithDefaults) {
  a.on_reading(make_reading("p", 1, {{Vital::spo2, 89}}));
  a.on_profile(PatientId("p"), {ProfileAnswer::Kind::unavailable, nullptr});
  EXPECT_THAT(sink.summary(), ElementsAre("p:spo2_low:raised:medium"));
  clock.advance(4s);
  a.on_reading(make_reading("p", 2, {{Vital::spo2, 89}}));
  EXPECT_EQ(profiles.requested.size(), 1u) << "not before retry_after";
  clock.advance(1s);
  a.on_reading(make_reading("p", 3, {{Vital::spo2, 89}}));
  EXPECT_EQ(profiles.requested.size(), 2u);
}

TEST_F(AnalyzerProfileTest, HoldIsBoundedInTimeAndInReadings) {
  a.on_reading(make_reading("slow", 1, {{Vital::spo2, 89}}));
  clock.advance(1999ms);
  a.on_tick();
  EXPECT_TRUE(sink.events().empty());
  clock.advance(1ms);
  a.on_tick();
  EXPECT_THAT(sink.summary(), ElementsAre("slow:spo2_low:raised:medium")) << "max_hold passed";

  for (int i = 0; i < 3; ++i) a.on_reading(make_reading("chatty", i, {{Vital::spo2, 97}}));
  a.on_reading(make_reading("chatty", 3, {{Vital::spo2, 84}}));
  EXPECT_EQ(sink.summary().back(), "chatty:spo2_low:raised:high") << "more than 3 held: go on";
}

TEST_F(AnalyzerProfileTest, ProfilesAreCachedForTheTtlAbsentOnesToo) {
  a.on_reading(make_reading("p", 1, {{Vital::spo2, 97}}));
  a.on_profile(PatientId("p"), {ProfileAnswer::Kind::absent, nullptr});
  clock.advance(29s);
  a.on_reading(make_reading("p", 2, {{Vital::spo2, 97}}));
  EXPECT_EQ(profiles.requested.size(), 1u);
  clock.advance(1s);
  a.on_reading(make_reading("p", 3, {{Vital::spo2, 97}}));
  a.on_reading(make_reading("p", 4, {{Vital::spo2, 97}}));
  EXPECT_EQ(profiles.requested.size(), 2u) << "expired: one refresh, judged meanwhile";
}

TEST_F(AnalyzerProfileTest, InvalidationRefetchesAtOnce) {
  a.on_reading(make_reading("p", 1, {{Vital::spo2, 89}}));
  a.on_profile(PatientId("p"), {ProfileAnswer::Kind::absent, nullptr});
  a.invalidate_profile("p");
  EXPECT_EQ(profiles.requested.size(), 2u);
  auto paused = std::make_shared<PatientProfile>();
  paused->paused = true;
  a.on_profile(PatientId("p"), found(paused));
  EXPECT_THAT(sink.summary(), ElementsAre("p:spo2_low:raised:medium", "p:spo2_low:cleared:medium"));
  a.invalidate_profile("stranger");  // unknown patients are ignored
  EXPECT_EQ(profiles.requested.size(), 2u);
}

TEST_F(AnalyzerProfileTest, RestoredAlertIsNotRaisedAgainAndClearsUnderItsId) {
  const Episode standing{.active = true, .acknowledged = false, .severity = Severity::medium,
                         .id = *AlertId::parse("00000000000000000000000000000042")};
  ASSERT_TRUE(a.restore_alert(PatientId("p"), "spo2_low", "spo2", standing));
  EXPECT_EQ(a.active_alerts(), (ActiveAlertCounts{0, 1, 0}));
  a.on_reading(make_reading("p", 1, {{Vital::spo2, 89}}));
  a.on_profile(PatientId("p"), {ProfileAnswer::Kind::absent, nullptr});
  EXPECT_TRUE(sink.events().empty()) << "standing alert: no second raised";
  a.on_reading(make_reading("p", 2, {{Vital::spo2, 97}}));
  ASSERT_EQ(sink.events().size(), 1u);
  EXPECT_EQ(sink.events()[0].state, AlertState::cleared);
  EXPECT_EQ(sink.events()[0].id, standing.id);
}

TEST_F(AnalyzerProfileTest, RestoredAlertOfARemovedRuleIsCleared) {
  const Episode standing{.active = true, .acknowledged = false, .severity = Severity::low,
                         .id = *AlertId::parse("00000000000000000000000000000043")};
  EXPECT_FALSE(a.restore_alert(PatientId("p"), "rule_gone", "hr", standing));
  ASSERT_EQ(sink.events().size(), 1u);
  EXPECT_EQ(sink.events()[0].state, AlertState::cleared);
  EXPECT_EQ(sink.events()[0].reason, ClearReason::rule_removed);
  EXPECT_EQ(a.active_alerts(), (ActiveAlertCounts{0, 0, 0}));
}

TEST_F(AnalyzerProfileTest, RedeliveredReadingsNotNewerThanTheRestoredTimeAreSkipped) {
  a.restore_last_ts(PatientId("p"), 5000);
  Reading again = make_reading("p", 5000, {{Vital::spo2, 84}});
  again.redelivered = true;
  a.on_reading(again);
  EXPECT_EQ(a.redelivered_skipped(), 1u);
  EXPECT_TRUE(profiles.requested.empty());
  Reading fresh_dup = make_reading("p", 5001, {{Vital::spo2, 84}});
  fresh_dup.redelivered = true;
  a.on_reading(fresh_dup);  // newer than anything processed: it was never seen
  a.on_profile(PatientId("p"), {ProfileAnswer::Kind::absent, nullptr});
  EXPECT_THAT(sink.summary(), ElementsAre("p:spo2_low:raised:high"));
  Reading old_not_dup = make_reading("p", 10, {{Vital::spo2, 99}});
  a.on_reading(old_not_dup);  // no DUP flag: a late reading, judged as usual
  EXPECT_EQ(sink.summary().back(), "p:spo2_low:cleared:high");
}

TEST_F(AnalyzerProfileTest, AcksWaitWithTheReadingsTheyFollow) {
  a.on_reading(make_reading("p", 1, {{Vital::spo2, 89}}));
  AckRequest ack;
  ack.patient = PatientId("p");
  ack.rule = RuleName("spo2_low");
  a.on_ack(ack);  // arrives while the raising reading waits for the profile
  EXPECT_EQ(a.ack_counts(), (std::array<std::uint64_t, 3>{0, 0, 0}));
  a.on_profile(PatientId("p"), {ProfileAnswer::Kind::absent, nullptr});
  EXPECT_THAT(sink.summary(),
              ElementsAre("p:spo2_low:raised:medium", "p:spo2_low:acknowledged:medium"));
  EXPECT_EQ(a.ack_counts(), (std::array<std::uint64_t, 3>{1, 0, 0}));
}

TEST_F(AnalyzerProfileTest, CollectLatestHandsOverChangedPatientsOnce) {
  a.on_reading(make_reading("p", 1, {{Vital::hr, 70}}));
  a.on_profile(PatientId("p"), {ProfileAnswer::Kind::absent, nullptr});
  a.on_reading(make_reading("p", 2, {{Vital::hr, 72}}));
  std::vector<LatestSnapshot> out;
  a.collect_latest(out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].patient, "p");
  EXPECT_EQ(out[0].latest[Vital::hr].value, 72);
  out.clear();
  a.collect_latest(out);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace vitalsd

namespace vitalsd {
namespace {

TEST(AnalyzerReload, ARuleThatChangesMetricOrDirectionClearsItsAlert) {
  FakeClock clock;
  testing::RecordingAlertSink sink;
  auto before = std::make_shared<RuleSet>();
  before->thresholds.push_back(spo2_low());
  Analyzer a(clock, sink, before);
  a.on_reading(testing::make_reading("p", 0, {{Vital::spo2, 89}}));
  auto after = std::make_shared<RuleSet>();
  after->thresholds.push_back(spo2_low());
  after->thresholds[0].metric = Vital::hr;  // same name, now about pulse
  a.set_rules(after);
  ASSERT_EQ(sink.events().size(), 2u);
  EXPECT_EQ(sink.events()[1].state, AlertState::cleared);
  EXPECT_EQ(sink.events()[1].reason, ClearReason::rule_changed);
  EXPECT_EQ(a.active_alerts(), (ActiveAlertCounts{0, 0, 0}));
}

}  // namespace
}  // namespace vitalsd

// Regression tests for the review of the seams (shutdown, restart, invalidation).
namespace vitalsd {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using testing::make_reading;
using testing::RecordingAlertSink;

class FakeProfiles2 final : public ProfileRequester {
 public:
  void request_profile(const PatientId& patient) override { requested.push_back(patient.str()); }
  std::vector<std::string> requested;
};

std::shared_ptr<RuleSet> all_rules() {
  auto rs = std::make_shared<RuleSet>();
  rs->thresholds.push_back(spo2_low());
  rs->news2.enabled = true;
  rs->signal_lost.enabled = true;
  rs->signal_lost.after = 120s;
  return rs;
}

class AnalyzerSeamTest : public ::testing::Test {
 protected:
  FakeClock clock{1'795'255'200'000};
  RecordingAlertSink sink;
  FakeProfiles2 profiles;
  Analyzer a{clock, sink, all_rules(), &profiles, {.export_latest = true}};
};

TEST_F(AnalyzerSeamTest, ReleaseAllHeldEvaluatesWhatWaitsForAProfile) {
  a.on_reading(make_reading("p", 1, {{Vital::spo2, 89}}));
  EXPECT_TRUE(a.holding());
  EXPECT_EQ(a.release_all_held(), 1u);
  EXPECT_THAT(sink.summary(), ElementsAre("p:spo2_low:raised:medium"));
  EXPECT_FALSE(a.holding());
}

TEST_F(AnalyzerSeamTest, RestoredBuiltInAlertOfASwitchedOffRuleIsCleared) {
  auto no_news2 = all_rules();
  no_news2->news2.enabled = false;
  Analyzer b{clock, sink, no_news2};
  const Episode standing{.active = true, .acknowledged = false, .severity = Severity::high,
                         .id = *AlertId::parse("00000000000000000000000000000077")};
  EXPECT_FALSE(b.restore_alert(PatientId("p"), "news2", "news2", standing));
  ASSERT_EQ(sink.events().size(), 1u);
  EXPECT_EQ(sink.events()[0].reason, ClearReason::rule_removed);
  EXPECT_EQ(sink.events()[0].metric, "news2");
  EXPECT_EQ(b.active_alerts(), (ActiveAlertCounts{0, 0, 0}));
}

TEST_F(AnalyzerSeamTest, InvalidationDuringAnInFlightFetchFetchesAgainAfterTheAnswer) {
  a.on_reading(make_reading("p", 1, {{Vital::spo2, 97}}));
  a.on_profile(PatientId("p"), {ProfileAnswer::Kind::absent, nullptr});
  clock.advance(31s);  // expired: the next reading refreshes in the background
  a.on_reading(make_reading("p", 2, {{Vital::spo2, 97}}));
  ASSERT_EQ(profiles.requested.size(), 2u);
  a.invalidate_profile("p");  // the profile changed while that read was in flight
  EXPECT_EQ(profiles.requested.size(), 2u) << "one read in flight at a time";
  auto stale = std::make_shared<PatientProfile>();
  stale->paused = true;
  a.on_profile(PatientId("p"), {ProfileAnswer::Kind::found, stale});
  EXPECT_EQ(profiles.requested.size(), 3u) << "the answer may predate the change: ask again";
  a.on_profile(PatientId("p"), {ProfileAnswer::Kind::absent, nullptr});  // unpaused
  a.on_reading(make_reading("p", 3, {{Vital::spo2, 80}}));
  EXPECT_EQ(sink.summary().back(), "p:spo2_low:raised:high");
}

TEST_F(AnalyzerSeamTest, APatientHeardJustBeforeARestartIsWatchedForSignalLost) {
  a.restore_last_ts(PatientId("p"), clock.wall_ms() - 60'000);  // last reading a minute ago
  a.restore_last_ts(PatientId("gone"), clock.wall_ms() - 48 * 3600 * 1000LL);  // two days ago
  clock.advance(59s);
  a.on_tick();
  EXPECT_TRUE(sink.events().empty());
  clock.advance(1s);
  a.on_tick();  // two minutes of silence: but first learn whether it is paused
  EXPECT_THAT(profiles.requested, ElementsAre("p"));
  EXPECT_TRUE(sink.events().empty());
  a.on_profile(PatientId("p"), {ProfileAnswer::Kind::absent, nullptr});
  clock.advance(2s);
  a.on_tick();
  EXPECT_THAT(sink.summary(), ElementsAre("p:signal_lost:raised:medium"));
}

TEST_F(AnalyzerSeamTest, SignalLostIgnoresWallClockSteps) {
  Reading r = make_reading("p", 1, {{Vital::hr, 70}});
  r.received_mono_ns = clock.mono_ns();
  a.on_reading(r);
  a.on_profile(PatientId("p"), {ProfileAnswer::Kind::absent, nullptr});
  clock.set_wall_ms(clock.wall_ms() + 3'600'000);  // NTP steps the wall clock an hour ahead
  a.on_tick();
  EXPECT_TRUE(sink.events().empty());
}

TEST_F(AnalyzerSeamTest, News2AcknowledgementCarriesItsScore) {
  Reading r = make_reading("p", 1, {{Vital::rr, 26}, {Vital::spo2, 97}, {Vital::sbp, 120},
                                    {Vital::hr, 70}, {Vital::temp, 36.8}});
  a.on_reading(r);
  a.on_profile(PatientId("p"), {ProfileAnswer::Kind::absent, nullptr});
  AckRequest ack;
  ack.patient = PatientId("p");
  ack.rule = RuleName("news2");
  a.on_ack(ack);
  const auto events = sink.events();
  ASSERT_EQ(events.size(), 2u);
  ASSERT_TRUE(events[1].news2);
  EXPECT_EQ(events[1].news2->score, 3);
  auto paused = std::make_shared<PatientProfile>();
  paused->paused = true;
  a.set_profile(PatientId("p"), paused);
  ASSERT_TRUE(sink.events().back().news2);
  EXPECT_EQ(sink.events().back().news2->risk, News2Risk::low) << "\"low\" on a clear";
}

TEST_F(AnalyzerSeamTest, AFutureTimestampDoesNotFreezeNews2Inputs) {
  Reading ahead = make_reading("p", 0, {{Vital::hr, 140}});
  ahead.received_ms = 1000;
  ahead.ts_ms = 1000 + 4 * 60'000;  // a fast device clock, within the accepted 5 min
  LatestVitals latest;
  latest.update(ahead);
  latest.update(make_reading("p", 2000, {{Vital::hr, 70}}));
  EXPECT_EQ(latest[Vital::hr].value, 70) << "the later reading is the newest";
}

TEST_F(AnalyzerSeamTest, IdlePatientsWithoutActiveAlertsAreForgotten) {
  // A discharged (paused) patient that stopped sending: nothing to watch any more.
  auto paused = std::make_shared<PatientProfile>();
  paused->paused = true;
  a.on_reading(make_reading("quiet", 1, {{Vital::spo2, 97}}));
  a.on_profile(PatientId("quiet"), {ProfileAnswer::Kind::found, paused});
  a.on_reading(make_reading("alarmed", 1, {{Vital::spo2, 80}}));
  a.on_profile(PatientId("alarmed"), {ProfileAnswer::Kind::absent, nullptr});
  std::vector<LatestSnapshot> drain;
  a.collect_latest(drain);
  EXPECT_EQ(a.patient_count(), 2u);
  clock.advance(61min);
  a.on_tick();
  EXPECT_EQ(a.patient_count(), 1u) << "the alarmed patient (now also signal_lost) stays";
}

TEST_F(AnalyzerSeamTest, HeldAcksCountTowardsTheHoldBound) {
  Analyzer b{clock, sink, all_rules(), &profiles, {.profiles = {.max_held_readings = 2}}};
  b.on_reading(make_reading("p", 1, {{Vital::spo2, 89}}));
  AckRequest ack;
  ack.patient = PatientId("p");
  ack.rule = RuleName("spo2_low");
  b.on_ack(ack);
  EXPECT_TRUE(sink.events().empty());
  b.on_ack(ack);  // a third held item: released with defaults
  EXPECT_THAT(sink.summary(),
              ElementsAre("p:spo2_low:raised:medium", "p:spo2_low:acknowledged:medium"));
}

}  // namespace
}  // namespace vitalsd
