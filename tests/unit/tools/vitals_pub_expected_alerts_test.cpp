// Expected alerts: the episode logic on hand-made readings, NEWS2 scoring,
// each scenario against a typical adult rule set, and a property check that
// the expectations hold for the exact readings of many seeds.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <limits>
#include <map>

#include "expected_alerts.h"
#include "news2_bounds.h"
#include "ward.h"

namespace vitals_pub {
namespace {

using vitalsd::Direction;
using vitalsd::RuleSet;
using vitalsd::Severity;
using vitalsd::ThresholdRule;
using namespace std::chrono_literals;

// A plausible shipped rule set (the real one is read with --rules at run time).
RuleSet adult_rules() {
  RuleSet rs;
  const auto rule = [&](std::string name, Vital metric, Direction dir,
                        std::vector<std::pair<double, Severity>> levels,
                        std::chrono::milliseconds for_duration, double hysteresis) {
    ThresholdRule r;
    r.name = std::move(name);
    r.metric = metric;
    r.direction = dir;
    for (auto [t, s] : levels) r.levels.push_back({t, s});
    r.for_duration = for_duration;
    r.hysteresis = hysteresis;
    rs.thresholds.push_back(r);
  };
  using enum Severity;
  rule("spo2_low", Vital::spo2, Direction::below, {{94, low}, {92, medium}, {90, high}}, 30s, 1);
  rule("hr_high", Vital::hr, Direction::above, {{110, low}, {130, medium}, {140, high}}, 30s, 5);
  rule("hr_low", Vital::hr, Direction::below, {{50, low}, {45, medium}, {40, high}}, 30s, 3);
  rule("rr_high", Vital::rr, Direction::above, {{20, low}, {24, medium}, {30, high}}, 30s, 1);
  rule("rr_low", Vital::rr, Direction::below, {{10, low}, {8, medium}, {6, high}}, 30s, 1);
  rule("temp_high", Vital::temp, Direction::above, {{38.0, low}, {39.0, medium}, {40.0, high}}, 60s,
       0.2);
  rule("temp_low", Vital::temp, Direction::below, {{36.0, low}, {35.0, medium}}, 60s, 0.2);
  rule("sbp_low", Vital::sbp, Direction::below, {{100, low}, {90, medium}, {80, high}}, 30s, 5);
  rule("sbp_high", Vital::sbp, Direction::above, {{180, low}, {200, medium}, {220, high}}, 60s, 5);
  rs.news2.enabled = true;
  rs.signal_lost.enabled = true;
  rs.signal_lost.after = 120s;
  return rs;
}

// ---- find_episodes on hand-made classifications ----

// Readings one second apart from a compact notation, one char per reading:
// '.' certainly fine, '~' ambiguous (may breach, may clear), 'b' certainly
// breaching (not clearing), 'C' certainly cleared, digits = certain breach at
// that severity.
std::vector<SlotClass> slots(std::string_view s) {
  std::vector<SlotClass> out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    SlotClass c;
    c.t_ms = static_cast<std::int64_t>(i) * 1000;
    switch (s[i]) {
      case '.':  // fine but inside hysteresis: neither breach nor certain clear
        c.can_clear = true;
        break;
      case 'C':
        c.can_clear = c.must_clear = true;
        break;
      case '~':
        c.can_breach = c.can_clear = true;
        c.can_severity = 3;
        break;
      default:
        c.can_breach = c.must_breach = true;
        c.can_severity = c.must_severity = s[i] == 'b' ? 1 : s[i] - '0';
    }
    out.push_back(c);
  }
  return out;
}

TEST(VitalsPubEpisodes, Table) {
  struct Case {
    const char* readings;
    std::int64_t for_ms;
    std::size_t episodes;
    bool certain;
    std::size_t earliest;
    std::optional<std::size_t> latest;
    int severity, max_severity;
    ClearExpectation clear;
    std::optional<std::size_t> clear_latest;
  };
  using enum ClearExpectation;
  const Case cases[] = {
      // A steady breach raises once `for` has elapsed since its first reading.
      {"CCbbbbbb", 3000, 1, true, 5, 5, 1, 1, no, {}},
      // for = 0: the first breaching reading raises.
      {"CCbbCC", 0, 1, true, 2, 2, 1, 1, yes, 4},
      // Too short a breach raises nothing.
      {"CbbbCbbbC", 3000, 0, false, 0, {}, 0, 0, no, {}},
      // Ambiguous readings before the breach may start the timer early.
      {"C~~bbbbC", 3000, 1, true, 4, 6, 1, 1, yes, 7},
      // Escalation: the highest certain level after the raise counts.
      {"Cbb23bC", 1000, 1, true, 2, 2, 3, 3, yes, 6},
      // Only ambiguous: may raise, never certain.
      {"C~~~~~C", 2000, 1, false, 3, {}, 0, 3, yes, 6},
      // Two breaches separated by a certain clear: two episodes.
      {"CbbbCbbbC", 1000, 2, true, 2, 2, 1, 1, yes, 4},
      // Inside hysteresis (".") the alert stays active; it may clear there.
      {"Cbbb..b.C", 1000, 1, true, 2, 2, 1, 1, yes, 8},
      // May clear on the way down, but certainly active at the end.
      {"C~~~~.bbbbb", 2000, 1, true, 3, 8, 1, 3, no, {}},
      // May clear on the way, and the end is ambiguous too.
      {"Cbbb.~", 1000, 1, true, 2, 2, 1, 3, maybe, {}},
  };
  for (const Case& c : cases) {
    const auto s = slots(c.readings);
    const auto eps = find_episodes(s, c.for_ms);
    ASSERT_EQ(eps.size(), c.episodes) << c.readings;
    if (eps.empty()) continue;
    const Episode& e = eps.front();
    EXPECT_EQ(e.certain, c.certain) << c.readings;
    EXPECT_EQ(e.raise_earliest, c.earliest) << c.readings;
    EXPECT_EQ(e.raise_latest, c.latest) << c.readings;
    EXPECT_EQ(e.severity, c.severity) << c.readings;
    EXPECT_EQ(e.max_severity, c.max_severity) << c.readings;
    EXPECT_EQ(e.clear, c.clear) << c.readings;
    EXPECT_EQ(e.clear_latest, c.clear_latest) << c.readings;
  }
}

// ---- NEWS2 ----

TEST(VitalsPubNews2, ChartTable) {
  struct Case {
    int (*score)(int);
    int value;
    int expected;
  };
  const Case cases[] = {
      {news2_rr, 8, 3},     {news2_rr, 9, 1},     {news2_rr, 11, 1},    {news2_rr, 12, 0},
      {news2_rr, 20, 0},    {news2_rr, 21, 2},    {news2_rr, 24, 2},    {news2_rr, 25, 3},
      {news2_sbp, 90, 3},   {news2_sbp, 91, 2},   {news2_sbp, 101, 1},  {news2_sbp, 111, 0},
      {news2_sbp, 219, 0},  {news2_sbp, 220, 3},  {news2_hr, 40, 3},    {news2_hr, 41, 1},
      {news2_hr, 51, 0},    {news2_hr, 91, 1},    {news2_hr, 111, 2},   {news2_hr, 131, 3},
      {news2_temp, 350, 3}, {news2_temp, 351, 1}, {news2_temp, 361, 0}, {news2_temp, 380, 0},
      {news2_temp, 381, 1}, {news2_temp, 391, 2},
  };
  for (const Case& c : cases) EXPECT_EQ(c.score(c.value), c.expected) << c.value;
  // SpO2 scale 1, and scale 2 on air and on oxygen
  EXPECT_EQ(news2_spo2(91, 1, false), 3);
  EXPECT_EQ(news2_spo2(93, 1, false), 2);
  EXPECT_EQ(news2_spo2(95, 1, true), 1);
  EXPECT_EQ(news2_spo2(96, 1, false), 0);
  EXPECT_EQ(news2_spo2(83, 2, false), 3);
  EXPECT_EQ(news2_spo2(85, 2, false), 2);
  EXPECT_EQ(news2_spo2(87, 2, false), 1);
  EXPECT_EQ(news2_spo2(88, 2, true), 0);
  EXPECT_EQ(news2_spo2(99, 2, false), 0);
  EXPECT_EQ(news2_spo2(94, 2, true), 1);
  EXPECT_EQ(news2_spo2(96, 2, true), 2);
  EXPECT_EQ(news2_spo2(97, 2, true), 3);
  EXPECT_EQ(news2_severity(4, false), 0);
  EXPECT_EQ(news2_severity(3, true), 1);
  EXPECT_EQ(news2_severity(5, false), 2);
  EXPECT_EQ(news2_severity(7, false), 3);
}

TEST(VitalsPubNews2, RangesBracketEveryValueInside) {
  News2Inputs in;
  in.rr = {19, 23};
  in.spo2 = {93, 96};
  in.sbp = {105, 115};
  in.hr = {88, 92};
  in.temp_decic = {379, 381};
  const News2Range r = news2_range(in);
  EXPECT_EQ(r.min_total, 0);
  EXPECT_EQ(r.max_total, 2 + 2 + 1 + 1 + 1);
  EXPECT_FALSE(r.may_have_three);
  in.acvpu = Acvpu::V;
  EXPECT_TRUE(news2_range(in).must_have_three);
}

// ---- Whole scenarios ----

struct WardRun {
  WardPlan ward;
  ExpectationContext ctx;
};

// Patients send once a second each; scenarios at time scale 60, plateaus held
// 2 minutes; the run covers the whole script plus 20 s.
WardRun ward_run(std::uint64_t seed, std::vector<ScenarioRequest> scenarios, std::size_t patients) {
  WardOptions o;
  o.seed = seed;
  o.patients = patients;
  o.time_scale = 60;
  o.min_hold_s = 120;
  o.artefact_rate = 0.05;
  o.scenarios = std::move(scenarios);
  WardRun r{std::move(plan_ward(o)).value(), {}};
  r.ctx.ward = &r.ward;
  r.ctx.model_rate = static_cast<double>(patients);
  r.ctx.slots.assign(patients, static_cast<std::uint64_t>(r.ward.script_end_s()) + 20);
  r.ctx.start_wall_ms = 0;
  r.ctx.slack_ms = 0;
  return r;
}

const std::vector<ScenarioRequest> kWard = {
    {"sepsis", "1"}, {"hypoxia", "2"}, {"opioid", "3"},   {"bradycardia", "4"},
    {"copd", "5"},   {"dropout", "6"}, {"artefacts", "8"}};
constexpr std::size_t kWardSize = 9;  // 7, 8 (artefacts only) and 9 are healthy

std::map<std::pair<std::string, std::string>, ExpectedAlert> by_key(const Expectations& ex) {
  std::map<std::pair<std::string, std::string>, ExpectedAlert> m;
  for (const auto& a : ex.alerts) m.emplace(std::pair{a.patient, a.rule}, a);
  return m;
}

TEST(VitalsPubExpectedAlerts, EachScenarioRaisesWhatAClinicianWouldExpect) {
  WardRun run = ward_run(11, kWard, kWardSize);
  const Expectations ex = expect_alerts(adult_rules(), run.ctx);
  const auto m = by_key(ex);
  const auto certain = [&](const char* patient, const char* rule) {
    const auto it = m.find({patient, rule});
    return it != m.end() && it->second.certain;
  };
  // sepsis: tachycardia, tachypnoea, fever, then hypotension; NEWS2 high; all clear
  for (const char* rule : {"hr_high", "rr_high", "temp_high", "sbp_low", "news2"}) {
    EXPECT_TRUE(certain("p-0001", rule)) << rule;
    EXPECT_EQ(m.at({"p-0001", rule}).clear, ClearExpectation::yes) << rule;
  }
  EXPECT_EQ(m.at({"p-0001", "news2"}).severity, Severity::high);
  EXPECT_EQ(m.at({"p-0001", "sbp_low"}).phase, "septic_shock");
  // hypoxia: SpO2 high severity, cleared on oxygen
  EXPECT_TRUE(certain("p-0002", "spo2_low"));
  EXPECT_EQ(m.at({"p-0002", "spo2_low"}).severity, Severity::high);
  EXPECT_EQ(m.at({"p-0002", "spo2_low"}).clear, ClearExpectation::yes);
  EXPECT_TRUE(certain("p-0002", "rr_high"));
  EXPECT_TRUE(certain("p-0002", "news2"));
  // opioid: bradypnoea and desaturation, NEWS2 high (RR, SpO2 and V each score 3)
  EXPECT_TRUE(certain("p-0003", "rr_low"));
  EXPECT_TRUE(certain("p-0003", "spo2_low"));
  EXPECT_EQ(m.at({"p-0003", "news2"}).severity, Severity::high);
  // bradycardia: HR low high severity, not reversed
  EXPECT_TRUE(certain("p-0004", "hr_low"));
  EXPECT_EQ(m.at({"p-0004", "hr_low"}).max_severity, Severity::high);
  EXPECT_EQ(m.at({"p-0004", "hr_low"}).clear, ClearExpectation::no);
  // copd: thanks to Scale 2 and the SpO2 overrides, only the over-oxygenation alerts
  EXPECT_FALSE(m.contains({"p-0005", "spo2_low"}));
  EXPECT_TRUE(certain("p-0005", "news2"));
  EXPECT_EQ(m.at({"p-0005", "news2"}).phase, "over_oxygenated");
  EXPECT_EQ(m.at({"p-0005", "news2"}).severity, Severity::medium);
  EXPECT_EQ(m.at({"p-0005", "news2"}).clear, ClearExpectation::yes);
  // dropout: signal lost two minutes after the last reading, cleared when it resumes
  ASSERT_TRUE(certain("p-0006", "signal_lost"));
  const ExpectedAlert& lost = m.at({"p-0006", "signal_lost"});
  EXPECT_GE(lost.raise_earliest_ms, 59'000 + 120'000);
  EXPECT_LE(*lost.raise_latest_ms, 60'000 + 120'000 + 5'000);
  EXPECT_EQ(lost.clear, ClearExpectation::yes);
  EXPECT_GE(*lost.clear_latest_ms, 240'000);
  // healthy patients and the artefacts-only one: nothing at all
  EXPECT_EQ(ex.quiet_patients, (std::vector<std::string>{"p-0007", "p-0008", "p-0009"}));
}

TEST(VitalsPubExpectedAlerts, CopdProfileIsSpelledAsRedisFields) {
  const auto fields = profile_fields(find_scenario("copd")->profile, adult_rules());
  const std::vector<std::pair<std::string, std::string>> expected = {{"news2_scale", "2"},
                                                                     {"spo2_low.low", "88"},
                                                                     {"spo2_low.medium", "86"},
                                                                     {"spo2_low.high", "84"}};
  EXPECT_EQ(fields, expected);
}

TEST(VitalsPubExpectedAlerts, ShortPlateausAreNotedAndNotPromised) {
  WardRun run = ward_run(3, {{"hypoxia", "1"}}, 1);
  run.ward.options.min_hold_s = 20;
  RuleSet rules = adult_rules();
  rules.thresholds[0].for_duration = std::chrono::minutes(10);
  const Expectations ex = expect_alerts(rules, run.ctx);
  EXPECT_FALSE(ex.notes.empty());
  for (const auto& a : ex.alerts) EXPECT_NE(a.rule, "spo2_low");
}

// ---- Property: the expectations hold for the exact readings of any seed ----

// SPEC §3 for one threshold rule or NEWS2, applied to exact readings. Only
// here, as a test oracle: vitals-pub itself never replays readings.
struct Event {
  std::int64_t t;
  enum { raised, escalated, cleared } kind;
  int severity;
};

std::vector<Event> reference_threshold(const ThresholdRule& r,
                                       const std::vector<std::pair<std::int64_t, double>>& xs) {
  std::vector<Event> ev;
  bool active = false;
  int sev = 0;
  bool breaching = false;  // an unbroken breach is under way, since `start`
  std::int64_t start = 0;
  const bool below = r.direction == Direction::below;
  const auto breaches = [&](double v, double t) { return below ? v < t : v > t; };
  const double mild = r.levels.front().threshold;
  for (auto [t, v] : xs) {
    int s = 0;
    for (const auto& l : r.levels) {
      if (breaches(v, l.threshold)) s = std::max(s, static_cast<int>(l.severity));
    }
    if (!active) {
      if (s == 0) {
        breaching = false;
        continue;
      }
      if (!breaching) {
        breaching = true;
        start = t;
      }
      if (t - start >= r.for_duration.count()) {
        active = true;
        sev = s;
        ev.push_back({t, Event::raised, s});
      }
    } else if (below ? v >= mild + r.hysteresis : v <= mild - r.hysteresis) {
      ev.push_back({t, Event::cleared, sev});
      active = false;
      breaching = false;
    } else if (s > sev) {
      sev = s;
      ev.push_back({t, Event::escalated, s});
    }
  }
  return ev;
}

std::vector<Event> reference_news2(const std::vector<std::pair<std::int64_t, DeviceReading>>& xs,
                                   int scale) {
  std::vector<Event> ev;
  int sev = 0;
  for (const auto& [t, r] : xs) {
    const int parts[] = {news2_rr(r.rr),           news2_spo2(r.spo2, scale, r.o2),
                         news2_sbp(r.sbp),         news2_hr(r.hr),
                         news2_temp(r.temp_decic), r.acvpu == Acvpu::A ? 0 : 3};
    int total = r.o2 ? 2 : 0;
    bool three = false;
    for (int p : parts) {
      total += p;
      three = three || p == 3;
    }
    const int s = news2_severity(total, three);
    if (sev == 0 && s > 0) ev.push_back({t, Event::raised, s});
    if (sev > 0 && s > sev) ev.push_back({t, Event::escalated, s});
    if (sev > 0 && s == 0) ev.push_back({t, Event::cleared, sev});
    sev = s == 0 ? 0 : std::max(sev, s);
  }
  return ev;
}

// Checks a rule's reference events against the expected entries for it, the
// way a daemon-vs-expectation test should: every raise, escalation or clear
// between an entry's raise_earliest and clear_latest belongs to that entry
// (a `for = 0s` rule may flap while a ramp crosses its threshold).
// Returns how many events it checked.
std::size_t check(const std::string& where, const std::vector<Event>& events,
                  const std::vector<ExpectedAlert>& expected) {
  const auto window_end = [](const ExpectedAlert& a) {
    return a.clear_latest_ms.value_or(std::numeric_limits<std::int64_t>::max());
  };
  for (const Event& e : events) {
    const auto it = std::find_if(expected.begin(), expected.end(), [&](const ExpectedAlert& a) {
      return e.t >= a.raise_earliest_ms && e.t <= window_end(a);
    });
    EXPECT_NE(it, expected.end()) << where << ": unexpected event at " << e.t;
    if (it == expected.end()) return 0;
    EXPECT_LE(e.severity, static_cast<int>(it->max_severity)) << where << " at " << e.t;
  }
  for (const ExpectedAlert& a : expected) {
    if (!a.certain) continue;
    std::vector<Event> mine;
    for (const Event& e : events) {
      if (e.t >= a.raise_earliest_ms && e.t <= window_end(a)) mine.push_back(e);
    }
    EXPECT_TRUE(std::any_of(
        mine.begin(), mine.end(),
        [&](const Event& e) { return e.kind == Event::raised && e.t <= *a.raise_latest_ms; }))
        << where << ": no raise in [" << a.raise_earliest_ms << ", " << *a.raise_latest_ms << "]";
    int top = 0;
    for (const Event& e : mine) {
      if (e.kind != Event::cleared) top = std::max(top, e.severity);
    }
    EXPECT_GE(top, static_cast<int>(*a.severity)) << where;
    if (a.clear == ClearExpectation::yes) {
      EXPECT_TRUE(!mine.empty() && mine.back().kind == Event::cleared)
          << where << ": still active at clear_latest";
    } else if (a.clear == ClearExpectation::no) {
      EXPECT_TRUE(mine.empty() || mine.back().kind != Event::cleared)
          << where << ": not active at the end";
    }
  }
  return events.size();
}

TEST(VitalsPubExpectedAlerts, HoldForTheExactReadingsOfManySeeds) {
  const RuleSet rules = adult_rules();
  std::size_t checked = 0;
  for (std::uint64_t seed = 100; seed < 130; ++seed) {
    WardRun run = ward_run(seed, kWard, kWardSize);
    const Expectations ex = expect_alerts(rules, run.ctx);
    for (const PatientPlan& p : run.ward.patients) {
      // The exact readings the daemon would accept, at their scheduled times.
      PatientSimulator sim(p, run.ward.options);
      std::vector<std::pair<std::int64_t, DeviceReading>> readings;
      for (std::uint64_t k = 0; k < run.ctx.slots[p.index]; ++k) {
        const double offset = static_cast<double>(k * kWardSize + p.index) / run.ctx.model_rate;
        const auto slot = sim.next(k, offset);
        if (slot.kind != PatientSimulator::Slot::Kind::reading) continue;
        readings.emplace_back(std::llround(offset * 1000), slot.reading);
      }
      const auto expected_for = [&](std::string_view rule) {
        std::vector<ExpectedAlert> out;
        for (const auto& a : ex.alerts) {
          if (a.patient == p.id && a.rule == rule) out.push_back(a);
        }
        return out;
      };
      const ProfileNeeds needs = p.course ? p.course->profile : ProfileNeeds{};
      for (ThresholdRule r : rules.thresholds) {
        for (const auto& o : needs.overrides) {
          for (auto& l : r.levels) {
            if (o.metric == r.metric && o.direction == r.direction && o.severity == l.severity) {
              l.threshold = o.threshold;
            }
          }
        }
        std::vector<std::pair<std::int64_t, double>> xs;
        for (const auto& [t, rd] : readings) xs.emplace_back(t, reading_value(rd, r.metric));
        checked += check(fmt::format("seed {} {} {}", seed, p.id, r.name),
                         reference_threshold(r, xs), expected_for(r.name));
      }
      checked += check(fmt::format("seed {} {} news2", seed, p.id),
                       reference_news2(readings, needs.news2_scale), expected_for("news2"));
    }
  }
  // Not vacuous: each seed's ward raises, escalates and clears dozens of times.
  EXPECT_GT(checked, 30U * 20U);
}

}  // namespace
}  // namespace vitals_pub
