#include "app/pipeline_health.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vitalsd {
namespace {

using std::chrono::seconds;

// One sample of every worker at a time (seconds since start).
struct Step {
  int at_s;
  std::vector<WorkerSample> workers;  // {depth, processed}
  bool healthy;
  int stuck_worker = -1;  // when unhealthy
  int stalled_s = 0;      // when unhealthy
  bool changed = false;
};

struct Scenario {
  std::string name;
  std::vector<Step> steps;
};

// Stall limit 10 s throughout.
const std::vector<Scenario> kScenarios = {
    {"IdleWorkersAreHealthyForever",
     {{0, {{0, 0}, {0, 0}}, true}, {60, {{0, 0}, {0, 0}}, true}, {3600, {{0, 0}, {0, 0}}, true}}},
    {"BusyWorkerMakingProgressIsHealthy",
     {{0, {{500, 0}}, true},
      {5, {{500, 10}}, true},
      {10, {{500, 20}}, true},
      {15, {{500, 30}}, true},
      {20, {{500, 40}}, true}}},
    {"BacklogWithoutProgressForTheLimitIsStuck",
     {{0, {{0, 7}}, true},
      {5, {{3, 7}}, true},   // readings arrived; the stall is timed from here
      {10, {{3, 7}}, true},  // 5 s stalled
      {15, {{4, 7}}, false, 0, 10, true},
      {20, {{5, 7}}, false, 0, 15}}},
    {"ProgressAfterAStallRecovers",
     {{0, {{2, 1}}, true},
      {5, {{2, 1}}, true},
      {15, {{2, 1}}, false, 0, 10, true},
      {20, {{0, 3}}, true, -1, 0, true},
      {25, {{1, 3}}, true}}},
    {"AReadingThatJustArrivedAtAnIdleWorkerIsNotAStall",
     // No progress for a minute because nothing came; then one reading waits.
     {{0, {{0, 4}}, true}, {60, {{1, 4}}, true}, {65, {{0, 5}}, true}}},
    {"QueueEmptiedWithoutProgressResetsTheStall",
     // The worker took its batch (depth 0): it may be busy with it. Only new
     // readings waiting behind it start the clock again.
     {{0, {{0, 0}}, true},
      {5, {{2, 0}}, true},
      {10, {{0, 0}}, true},
      {15, {{1, 0}}, true},
      {20, {{1, 0}}, true},
      {25, {{1, 0}}, false, 0, 10, true}}},
    {"OneStuckWorkerAmongHealthyOnesIsNamed",
     {{0, {{0, 0}, {0, 0}, {0, 0}}, true},
      {5, {{9, 100}, {4, 0}, {0, 0}}, true},
      {10, {{9, 200}, {6, 0}, {0, 0}}, true},
      {15, {{9, 300}, {8, 0}, {0, 0}}, false, 1, 10, true}}},
    {"TheLongestStallIsReported",
     {{0, {{0, 0}, {0, 0}}, true},
      {5, {{0, 0}, {1, 0}}, true},
      {10, {{1, 0}, {1, 0}}, true},
      {20, {{1, 0}, {1, 0}}, false, 1, 15, true},
      {25, {{1, 0}, {1, 0}}, false, 1, 20}}},
    {"TheFirstSampleIsOnlyABaseline",
     // However deep the queue at the first look, there is nothing to compare with.
     {{100, {{4000, 0}}, true}, {105, {{4000, 0}}, true}, {115, {{4000, 0}}, false, 0, 10, true}}},
};

class PipelineHealthScenario : public ::testing::TestWithParam<Scenario> {};

TEST_P(PipelineHealthScenario, GivenSamples_WhenObserved_ThenVerdictsFollow) {
  PipelineHealth health(seconds(10));
  for (const Step& step : GetParam().steps) {
    SCOPED_TRACE("at " + std::to_string(step.at_s) + " s");
    const auto v = health.observe(step.workers, seconds(step.at_s));
    EXPECT_EQ(v.healthy, step.healthy);
    EXPECT_EQ(v.changed, step.changed);
    if (step.healthy) {
      EXPECT_FALSE(v.stuck.has_value());
      continue;
    }
    ASSERT_TRUE(v.stuck.has_value());
    EXPECT_EQ(v.stuck->worker, static_cast<unsigned>(step.stuck_worker));
    EXPECT_EQ(v.stuck->stalled_for, seconds(step.stalled_s));
    EXPECT_EQ(v.stuck->depth, step.workers[static_cast<std::size_t>(step.stuck_worker)].depth);
  }
}

INSTANTIATE_TEST_SUITE_P(All, PipelineHealthScenario, ::testing::ValuesIn(kScenarios),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace vitalsd
