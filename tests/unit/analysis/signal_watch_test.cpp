#include "analysis/signal_watch.h"

#include <gtest/gtest.h>

#include <vector>

namespace vitalsd {
namespace {

struct Patient : SignalWatchNode {
  int id = 0;
};

std::vector<int> sweep(SignalWatch& w, std::int64_t now, std::int64_t after) {
  std::vector<int> quiet;
  w.sweep(now, after, [&](SignalWatchNode& n) { quiet.push_back(static_cast<Patient&>(n).id); });
  return quiet;
}

TEST(SignalWatch, ReportsPatientsQuietForAtLeastAfterInLastSeenOrder) {
  SignalWatch w;
  Patient a, b, c;
  a.id = 1, b.id = 2, c.id = 3;
  w.touch(a, 1000);
  w.touch(b, 2000);
  w.touch(c, 3000);
  EXPECT_EQ(sweep(w, 1999, 1000), std::vector<int>{}) << "a was seen 999 ms ago";
  EXPECT_EQ(sweep(w, 3000, 1000), (std::vector<int>{1, 2}));
  EXPECT_EQ(w.size(), 1u);
}

TEST(SignalWatch, AReadingMovesThePatientToTheBack) {
  SignalWatch w;
  Patient a, b;
  a.id = 1, b.id = 2;
  w.touch(a, 1000);
  w.touch(b, 2000);
  w.touch(a, 2500);
  EXPECT_EQ(sweep(w, 3100, 1000), (std::vector<int>{2}));
  EXPECT_EQ(sweep(w, 3500, 1000), (std::vector<int>{1}));
}

TEST(SignalWatch, QuietPatientIsReportedOnceUntilItIsSeenAgain) {
  SignalWatch w;
  Patient a;
  a.id = 1;
  w.touch(a, 0);
  EXPECT_EQ(sweep(w, 5000, 1000), (std::vector<int>{1}));
  EXPECT_EQ(sweep(w, 9000, 1000), std::vector<int>{});
  w.touch(a, 9000);
  EXPECT_EQ(sweep(w, 10'000, 1000), (std::vector<int>{1}));
}

TEST(SignalWatch, UnlinkAnywhereKeepsTheListWhole) {
  SignalWatch w;
  Patient p[5];
  for (int i = 0; i < 5; ++i) {
    p[i].id = i;
    w.touch(p[i], i);
  }
  w.unlink(p[0]);
  w.unlink(p[2]);
  w.unlink(p[4]);
  w.unlink(p[4]);  // twice is harmless
  EXPECT_EQ(sweep(w, 100, 0), (std::vector<int>{1, 3}));
  EXPECT_EQ(w.size(), 0u);
}

TEST(SignalWatch, SweepCostDependsOnlyOnWhatExpires) {
  // 100,000 patients, all recently seen: a sweep looks at one node and stops.
  SignalWatch w;
  std::vector<Patient> many(100'000);
  for (std::size_t i = 0; i < many.size(); ++i) w.touch(many[i], 1'000'000 + static_cast<int>(i));
  int visited = 0;
  w.sweep(1'000'500, 120'000, [&](SignalWatchNode&) { ++visited; });
  EXPECT_EQ(visited, 0);
  EXPECT_EQ(w.size(), many.size());
}

}  // namespace
}  // namespace vitalsd
