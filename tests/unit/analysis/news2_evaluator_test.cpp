#include "analysis/news2_evaluator.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace vitalsd {
namespace {

using namespace std::chrono_literals;
using testing::make_reading;

// A healthy adult: NEWS2 0 on Scale 1.
Reading healthy(std::int64_t ts) {
  return make_reading("p", ts,
                      {{Vital::rr, 16}, {Vital::spo2, 97}, {Vital::sbp, 120}, {Vital::hr, 70},
                       {Vital::temp, 36.8}});
}

TEST(News2Evaluator, NeedsEveryParameterWithinTheWindow) {
  LatestVitals latest;
  latest.update(make_reading("p", 0, {{Vital::rr, 16}, {Vital::spo2, 97}, {Vital::sbp, 120},
                                      {Vital::hr, 70}}));
  EXPECT_FALSE(evaluate_news2(latest, nullptr, 5min)) << "no temperature yet";
  latest.update(make_reading("p", 60'000, {{Vital::temp, 36.8}}));
  EXPECT_TRUE(evaluate_news2(latest, nullptr, 5min));
  // The window runs back from the patient's newest reading, on reading time.
  latest.update(make_reading("p", 300'000, {{Vital::hr, 72}}));
  EXPECT_TRUE(evaluate_news2(latest, nullptr, 5min)) << "rr at ts 0 is exactly 5 min old";
  latest.update(make_reading("p", 300'001, {{Vital::hr, 72}}));
  EXPECT_FALSE(evaluate_news2(latest, nullptr, 5min)) << "rr is now stale";
}

TEST(News2Evaluator, OxygenAndConsciousnessComeFromReadingsThenProfileThenAssumed) {
  LatestVitals latest;
  latest.update(healthy(0));
  auto eval = evaluate_news2(latest, nullptr, 5min);
  ASSERT_TRUE(eval);
  EXPECT_TRUE(eval->assumed_o2);
  EXPECT_TRUE(eval->assumed_acvpu);
  EXPECT_EQ(eval->score.total, 0);

  PatientProfile profile;
  profile.o2 = true;
  profile.acvpu = Acvpu::V;
  eval = evaluate_news2(latest, &profile, 5min);
  EXPECT_FALSE(eval->assumed_o2);
  EXPECT_FALSE(eval->assumed_acvpu);
  EXPECT_EQ(eval->score.total, 2 + 3) << "oxygen 2, voice 3";

  Reading r = healthy(1000);
  r.o2 = false;
  r.acvpu = Acvpu::A;
  latest.update(r);
  eval = evaluate_news2(latest, &profile, 5min);
  EXPECT_EQ(eval->score.total, 0) << "what the reading said wins over the profile";
}

TEST(News2Evaluator, Scale2FromTheProfile) {
  LatestVitals latest;
  Reading r = healthy(0);
  r.vitals.set(Vital::spo2, 89);
  latest.update(r);
  EXPECT_EQ(evaluate_news2(latest, nullptr, 5min)->score.subscores[1], 3) << "Scale 1: <=91";
  PatientProfile copd;
  copd.news2_scale = SpO2Scale::scale2;
  EXPECT_EQ(evaluate_news2(latest, &copd, 5min)->score.subscores[1], 0) << "Scale 2: 88-92";
}

TEST(News2Evaluator, LateReadingDoesNotOverwriteNewerValues) {
  LatestVitals latest;
  latest.update(healthy(10'000));
  Reading late = healthy(5'000);
  late.vitals.set(Vital::hr, 140);
  latest.update(late);
  EXPECT_EQ(latest[Vital::hr].value, 70);
  EXPECT_EQ(latest.newest_ts_ms, 10'000);
}

TEST(News2Step, RaisesEscalatesNeverDropsAndClearsOnLowRisk) {
  Episode ep;
  AlertIdGenerator ids(3);
  EXPECT_FALSE(step_news2(ep, News2Risk::low, ids));
  EXPECT_EQ(step_news2(ep, News2Risk::low_medium, ids), AlertState::raised);
  EXPECT_EQ(ep.severity, Severity::low);
  EXPECT_FALSE(step_news2(ep, News2Risk::low_medium, ids));
  EXPECT_EQ(step_news2(ep, News2Risk::high, ids), AlertState::escalated);
  EXPECT_FALSE(step_news2(ep, News2Risk::medium, ids)) << "severity never drops while active";
  EXPECT_EQ(ep.severity, Severity::high);
  EXPECT_EQ(step_news2(ep, News2Risk::low, ids), AlertState::cleared);
  EXPECT_FALSE(ep.active);
}

}  // namespace
}  // namespace vitalsd
