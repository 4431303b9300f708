#include "analysis/patient_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/patient_id.h"

namespace vitalsd {
namespace {

struct State {
  PatientId id;
  int value = 0;
};

// Every id lands on one of four home slots: long shared probe runs, the
// case backward-shift deletion has to get right.
struct CollidingHash {
  std::size_t operator()(std::string_view s) const { return s.empty() ? 0 : s.back() % 4; }
};

template <class Table>
State* add(Table& t, const std::string& id, int value) {
  auto [s, created] = t.find_or_create(id);
  EXPECT_TRUE(created) << id;
  s->id = PatientId(id);
  s->value = value;
  return s;
}

TEST(PatientTable, FindsWhatWasCreatedAndNothingElse) {
  PatientTable<State> t;
  EXPECT_EQ(t.find("p-1"), nullptr) << "empty table";
  State* a = add(t, "p-1", 1);
  State* b = add(t, "p-2", 2);
  EXPECT_EQ(t.find("p-1"), a);
  EXPECT_EQ(t.find("p-2"), b);
  EXPECT_EQ(t.find("p-3"), nullptr);
  EXPECT_EQ(t.size(), 2u);
  auto [again, created] = t.find_or_create("p-1");
  EXPECT_FALSE(created);
  EXPECT_EQ(again, a);
}

TEST(PatientTable, StatesKeepTheirAddressWhileTheIndexGrows) {
  PatientTable<State> t;
  std::vector<State*> states;
  for (int i = 0; i < 5000; ++i) states.push_back(add(t, "p-" + std::to_string(i), i));
  ASSERT_EQ(t.size(), 5000u);
  for (int i = 0; i < 5000; ++i) {
    State* s = t.find("p-" + std::to_string(i));
    ASSERT_EQ(s, states[static_cast<std::size_t>(i)]) << i;
    EXPECT_EQ(s->value, i);
  }
}

TEST(PatientTable, EraseInsideACollisionRunKeepsTheRestFindable) {
  PatientTable<State, CollidingHash> t;
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back("p-" + std::to_string(i));
  for (std::size_t i = 0; i < ids.size(); ++i) add(t, ids[i], static_cast<int>(i));
  std::set<std::string> present(ids.begin(), ids.end());
  // Erase in a scrambled order, checking every remaining id after each.
  std::mt19937 rng(7);
  std::shuffle(ids.begin(), ids.end(), rng);
  for (const std::string& gone : ids) {
    ASSERT_TRUE(t.erase(gone)) << gone;
    present.erase(gone);
    EXPECT_FALSE(t.erase(gone)) << "erased twice: " << gone;
    EXPECT_EQ(t.find(gone), nullptr) << gone;
    for (const std::string& id : present) {
      State* s = t.find(id);
      ASSERT_NE(s, nullptr) << id << " lost after erasing " << gone;
      EXPECT_EQ(s->id.view(), id);
    }
    ASSERT_EQ(t.size(), present.size());
  }
}

TEST(PatientTable, ForEachVisitsEveryStateOnce) {
  PatientTable<State> t;
  for (int i = 0; i < 100; ++i) add(t, "p-" + std::to_string(i), i);
  for (int i = 0; i < 100; i += 3) t.erase("p-" + std::to_string(i));
  std::multiset<int> seen;
  t.for_each([&](State& s) { seen.insert(s.value); });
  std::multiset<int> want;
  for (int i = 0; i < 100; ++i) {
    if (i % 3 != 0) want.insert(i);
  }
  EXPECT_EQ(seen, want);
}

TEST(PatientTable, ErasedIdsCanComeBack) {
  PatientTable<State, CollidingHash> t;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 20; ++i) add(t, "p-" + std::to_string(i), round);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(t.erase("p-" + std::to_string(i)));
    EXPECT_EQ(t.size(), 0u);
  }
}

}  // namespace
}  // namespace vitalsd
