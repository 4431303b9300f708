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
