#include "analysis/threshold_evaluator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vitalsd {
namespace {

using namespace std::chrono_literals;

// spo2_low as in SPEC §3: below 92 low, 90 medium, 85 high; hysteresis 1.
ThresholdRule spo2_low(std::chrono::milliseconds for_duration = 0ms, double hysteresis = 1.0) {
  ThresholdRule r;
  r.name = "spo2_low";
  r.metric = Vital::spo2;
  r.direction = Direction::below;
  r.levels = {{92, Severity::low}, {90, Severity::medium}, {85, Severity::high}};
  r.for_duration = for_duration;
  r.hysteresis = hysteresis;
  return r;
}

ThresholdRule hr_high() {
  ThresholdRule r;
  r.name = "hr_high";
  r.metric = Vital::hr;
  r.direction = Direction::above;
  r.levels = {{110, Severity::low}, {130, Severity::medium}, {140, Severity::high}};
  r.hysteresis = 5;
  return r;
}

struct Step {
  std::int64_t ts_ms;
  double value;
  std::string expect;  // "" = no transition, else "<state>/<severity>@<threshold>"
};

std::string describe(const std::optional<ThresholdTransition>& t) {
  if (!t) return "";
  std::string out = std::string(alert_state_name(t->state)) + "/" +
                    std::string(severity_name(t->severity)) + "@";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", t->threshold);
  return out + buf;
}

// Runs the steps through one state and checks each transition.
void run(const ThresholdRule& rule, const std::vector<Step>& steps) {
  ThresholdState state;
  AlertIdGenerator ids(42);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    auto t = step_threshold(rule, rule.levels, state, s.value, s.ts_ms, ids);
    EXPECT_EQ(describe(t), s.expect) << "step " << i << ": value " << s.value << " at ts "
                                     << s.ts_ms;
  }
}

TEST(ThresholdEvaluator, ImmediateRuleRaisesOnFirstBreachWithMostSevereLevel) {
  run(spo2_low(), {{0, 95, ""}, {1000, 89, "raised/medium@90"}});
  run(spo2_low(), {{0, 84, "raised/high@85"}});
}

TEST(ThresholdEvaluator, ComparisonIsStrict) {
  // Exactly at a threshold is not a breach of it.
  run(spo2_low(), {{0, 92, ""}, {1, 90, "raised/low@92"}, {2, 85, "escalated/medium@90"}});
  run(hr_high(), {{0, 110, ""}, {1, 110.5, "raised/low@110"}});
}

TEST(ThresholdEvaluator, SteadyBreachRaisesExactlyOnce) {
  run(spo2_low(), {{0, 89, "raised/medium@90"},
                   {1000, 89, ""},
                   {2000, 88, ""},
                   {3000, 89.5, ""},
                   {4000, 91, ""}});
}

TEST(ThresholdEvaluator, ForDurationIsMeasuredOnReadingTime) {
  // for = 15 s: raised by the first breaching reading >= 15 s after the breach began.
  run(spo2_low(15s), {{0, 91, ""},
                      {10'000, 91, ""},
                      {14'999, 91, ""},
                      {15'000, 91, "raised/low@92"},
                      {16'000, 91, ""}});
}

TEST(ThresholdEvaluator, ForDurationRestartsWhenTheBreachIsBroken) {
  run(spo2_low(15s), {{0, 91, ""},
                      {10'000, 93, ""},  // back in range: the breach is broken
                      {11'000, 91, ""},  // a new breach starts here
                      {25'000, 91, ""},
                      {26'000, 91, "raised/low@92"}});
}

TEST(ThresholdEvaluator, ReadingInTheHysteresisBandBreaksAPendingBreach) {
  // 92.5 does not breach (not < 92), so `for` starts over even though it would not clear an alert.
  run(spo2_low(10s), {{0, 91, ""}, {5'000, 92.5, ""}, {12'000, 91, ""}, {22'000, 91, "raised/low@92"}});
}

TEST(ThresholdEvaluator, RaisedSeverityIsThatOfTheRaisingReading) {
  // The breach began mild; the reading that completes `for` is severe.
  run(spo2_low(10s), {{0, 91, ""}, {10'000, 84, "raised/high@85"}});
}

TEST(ThresholdEvaluator, EscalatesImmediatelyAndNeverDeescalates) {
  run(spo2_low(30s), {{0, 91, ""},
                      {30'000, 91, "raised/low@92"},
                      {31'000, 89, "escalated/medium@90"},  // no `for` for escalation
                      {32'000, 91, ""},                     // milder again: severity stays medium
                      {33'000, 89, ""},                     // medium again: nothing new
                      {34'000, 80, "escalated/high@85"}});
}

TEST(ThresholdEvaluator, ClearsOnlyPastMildestThresholdPlusHysteresis) {
  run(spo2_low(0ms, 1.0), {{0, 89, "raised/medium@90"},
                           {1, 92, ""},      // at the threshold: still active
                           {2, 92.9, ""},    // inside the hysteresis band
                           {3, 93, "cleared/medium@92"},  // 92 + 1: cleared, with its severity
                           {4, 93, ""}});
  run(hr_high(), {{0, 131, "raised/medium@130"}, {1, 106, ""}, {2, 105, "cleared/medium@110"}});
}

TEST(ThresholdEvaluator, ZeroHysteresisClearsAtTheThreshold) {
  run(spo2_low(0ms, 0.0), {{0, 91, "raised/low@92"}, {1, 92, "cleared/low@92"}});
}

TEST(ThresholdEvaluator, NewEpisodeAfterClearGetsNewIdAndStartsFromScratch) {
  const ThresholdRule rule = spo2_low(5s);
  ThresholdState state;
  AlertIdGenerator ids(7);
  auto step = [&](std::int64_t ts, double v) {
    return step_threshold(rule, rule.levels, state, v, ts, ids);
  };
  EXPECT_FALSE(step(0, 89));
  auto raised = step(5'000, 89);
  ASSERT_TRUE(raised);
  auto escalated = step(6'000, 80);
  ASSERT_TRUE(escalated);
  EXPECT_EQ(escalated->id, raised->id) << "one id per episode";
  auto cleared = step(7'000, 95);
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->id, raised->id);
  EXPECT_FALSE(step(8'000, 89)) << "a new episode waits out `for` again";
  auto again = step(13'000, 89);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->state, AlertState::raised);
  EXPECT_NE(again->id, raised->id);
}

TEST(ThresholdEvaluator, EscalationResetsAcknowledgement) {
  const ThresholdRule rule = spo2_low();
  ThresholdState state;
  AlertIdGenerator ids(1);
  ASSERT_TRUE(step_threshold(rule, rule.levels, state, 91, 0, ids));
  state.episode.acknowledged = true;
  ASSERT_TRUE(step_threshold(rule, rule.levels, state, 89, 1, ids));
  EXPECT_FALSE(state.episode.acknowledged);
}

TEST(ThresholdEvaluator, OutOfOrderReadingDoesNotSatisfyFor) {
  run(spo2_low(10s), {{10'000, 91, ""}, {5'000, 91, ""}, {20'000, 91, "raised/low@92"}});
}

TEST(ThresholdEvaluator, OverriddenLevelsApply) {
  const ThresholdRule rule = spo2_low();
  const EffectiveLevels levels = effective_levels(rule, [](Severity s) {
    return s == Severity::high ? std::optional<double>(80) : std::nullopt;
  });
  ThresholdState state;
  AlertIdGenerator ids(1);
  auto t = step_threshold(rule, levels.view(), state, 84, 0, ids);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->severity, Severity::medium) << "84 no longer breaches the overridden high level";
  t = step_threshold(rule, levels.view(), state, 79, 1, ids);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->state, AlertState::escalated);
  EXPECT_EQ(t->threshold, 80);
}

}  // namespace
}  // namespace vitalsd
