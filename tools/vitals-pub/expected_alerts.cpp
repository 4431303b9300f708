#include "expected_alerts.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "news2_bounds.h"

namespace vitals_pub {
namespace {

using vitalsd::Direction;
using vitalsd::ThresholdRule;

// One reading the daemon will accept, reduced to the range the script allows.
struct ReadingRange {
  std::int64_t t_ms = 0;
  int phase = -1;
  std::array<int, kVitalCount> lo{}, hi{};  // device grid (temperature in tenths)
  Acvpu acvpu = Acvpu::A;
  bool o2 = false;
};

double natural(Vital v, int grid) { return v == Vital::temp ? grid / 10.0 : grid; }

std::vector<ReadingRange> accepted_readings(const PatientPlan& p, const ExpectationContext& ctx) {
  const WardPlan& ward = *ctx.ward;
  const std::size_t n_patients = ward.patients.size();
  const std::uint64_t slots = p.index < ctx.slots.size() ? ctx.slots[p.index] : 0;
  const double rate = p.artefacts ? ward.options.artefact_rate : 0.0;
  std::vector<ReadingRange> out;
  out.reserve(slots);
  for (std::uint64_t k = 0; k < slots; ++k) {
    const double offset = static_cast<double>(k * n_patients + p.index) / ctx.model_rate;
    const ScriptPoint point = p.timeline.at(offset);
    // Silent slots send nothing; artefacts are rejected, so the rules never see them.
    if (point.silent || artefact_at(ward.options.seed, p.index, k, rate)) continue;
    ReadingRange r;
    r.t_ms = ctx.start_wall_ms + std::llround(offset * 1000.0);
    r.phase = point.phase;
    r.acvpu = point.acvpu;
    r.o2 = point.o2;
    for (Vital v : vitalsd::kAllVitals) {
      const auto i = index_of(v);
      // The epsilon keeps the bound sound against the last bit of rounding in
      // mean + drift + noise; device_round is monotonic.
      const double b = noise_bound(v) + 1e-9;
      r.lo[i] = device_round(v, point.mean[i] - b);
      r.hi[i] = device_round(v, point.mean[i] + b);
    }
    out.push_back(r);
  }
  return out;
}

int severity_int(Severity s) { return static_cast<int>(s); }

SlotClass classify(const ThresholdRule& rule, const ReadingRange& r) {
  const auto i = index_of(rule.metric);
  const double lo = natural(rule.metric, r.lo[i]);
  const double hi = natural(rule.metric, r.hi[i]);
  const bool below = rule.direction == Direction::below;
  // "Certainly breaches T" uses the value least likely to breach, "may" the most.
  const double worst = below ? lo : hi;
  const double best = below ? hi : lo;
  const auto breaches = [&](double value, double threshold) {
    return below ? value < threshold : value > threshold;
  };
  const double mildest = rule.levels.front().threshold;
  const double clear_at = below ? mildest + rule.hysteresis : mildest - rule.hysteresis;
  const auto cleared = [&](double value) { return below ? value >= clear_at : value <= clear_at; };
  SlotClass c;
  c.t_ms = r.t_ms;
  c.phase = r.phase;
  c.can_breach = breaches(worst, mildest);
  c.must_breach = breaches(best, mildest);
  c.can_clear = cleared(best);
  c.must_clear = cleared(worst);
  for (const auto& level : rule.levels) {
    if (breaches(worst, level.threshold)) {
      c.can_severity = std::max(c.can_severity, severity_int(level.severity));
    }
    if (breaches(best, level.threshold)) {
      c.must_severity = std::max(c.must_severity, severity_int(level.severity));
    }
  }
  return c;
}

SlotClass classify_news2(const ReadingRange& r, int scale) {
  const auto range = [&](Vital v) { return IntRange{r.lo[index_of(v)], r.hi[index_of(v)]}; };
  News2Inputs in;
  in.rr = range(Vital::rr);
  in.spo2 = range(Vital::spo2);
  in.sbp = range(Vital::sbp);
  in.hr = range(Vital::hr);
  in.temp_decic = range(Vital::temp);
  in.acvpu = r.acvpu;
  in.o2 = r.o2;
  in.scale = scale;
  const News2Range n = news2_range(in);
  SlotClass c;
  c.t_ms = r.t_ms;
  c.phase = r.phase;
  c.must_severity = news2_severity(n.min_total, n.must_have_three);
  c.can_severity = news2_severity(n.max_total, n.may_have_three);
  c.must_breach = c.must_severity > 0;
  c.can_breach = c.can_severity > 0;
  // NEWS2 clears as soon as the score is back to 0-4 with no 3.
  c.can_clear = !c.must_breach;
  c.must_clear = !c.can_breach;
  return c;
}

// The rule as it applies to this patient, after the profile's overrides.
ThresholdRule with_overrides(const ThresholdRule& rule, const ProfileNeeds& needs) {
  ThresholdRule r = rule;
  for (const auto& o : needs.overrides) {
    if (o.metric != r.metric || o.direction != r.direction) continue;
    for (auto& level : r.levels) {
      if (level.severity == o.severity) level.threshold = o.threshold;
    }
  }
  return r;
}

std::string phase_name(const PatientPlan& p, int phase) {
  if (phase < 0) return "baseline";
  const auto& phases = p.timeline.phases();
  if (static_cast<std::size_t>(phase) >= phases.size()) return "after";
  return phases[static_cast<std::size_t>(phase)].name;
}

Severity to_severity(int s) { return static_cast<Severity>(std::clamp(s, 1, 3)); }

void add_episodes(const PatientPlan& p, std::string_view rule, std::string_view metric,
                  std::span<const SlotClass> classes, std::int64_t for_ms,
                  const ExpectationContext& ctx, std::vector<ExpectedAlert>& out) {
  for (const Episode& e : find_episodes(classes, for_ms)) {
    ExpectedAlert a;
    a.patient = p.id;
    a.rule = std::string(rule);
    a.metric = std::string(metric);
    a.scenario = p.course ? std::string(p.course->name) : "";
    a.certain = e.certain;
    a.phase = phase_name(p, classes[e.raise_latest.value_or(e.raise_earliest)].phase);
    if (e.certain) a.severity = to_severity(e.severity);
    a.max_severity = to_severity(e.max_severity);
    a.raise_earliest_ms = classes[e.raise_earliest].t_ms - ctx.slack_ms;
    if (e.raise_latest) a.raise_latest_ms = classes[*e.raise_latest].t_ms + ctx.slack_ms;
    a.clear = e.clear;
    if (e.clear_earliest) a.clear_earliest_ms = classes[*e.clear_earliest].t_ms - ctx.slack_ms;
    if (e.clear_latest) a.clear_latest_ms = classes[*e.clear_latest].t_ms + ctx.slack_ms;
    out.push_back(std::move(a));
  }
}

void add_signal_lost(const PatientPlan& p, const std::vector<ReadingRange>& readings,
                     const vitalsd::SignalLostSettings& s, const ExpectationContext& ctx,
                     std::vector<ExpectedAlert>& out) {
  const std::int64_t after = s.after.count();
  for (std::size_t i = 1; i < readings.size(); ++i) {
    const std::int64_t gap = readings[i].t_ms - readings[i - 1].t_ms;
    if (gap + ctx.slack_ms <= after) continue;
    ExpectedAlert a;
    a.patient = p.id;
    a.rule = std::string(vitalsd::kSignalLostRuleName);
    a.metric = "none";
    a.scenario = p.course ? std::string(p.course->name) : "";
    a.phase = phase_name(
        p, p.timeline
               .at(static_cast<double>(readings[i - 1].t_ms - ctx.start_wall_ms + after) / 1000.0)
               .phase);
    a.certain = gap - ctx.slack_ms >= after + ctx.signal_lost_check_ms;
    a.max_severity = s.severity;
    if (a.certain) a.severity = s.severity;
    a.raise_earliest_ms = readings[i - 1].t_ms + after - ctx.slack_ms;
    if (a.certain) {
      a.raise_latest_ms = readings[i - 1].t_ms + after + ctx.signal_lost_check_ms + ctx.slack_ms;
    }
    a.clear = a.certain ? ClearExpectation::yes : ClearExpectation::maybe;
    a.clear_earliest_ms = readings[i].t_ms - ctx.slack_ms;
    if (a.certain) a.clear_latest_ms = readings[i].t_ms + ctx.slack_ms;
    out.push_back(std::move(a));
  }
}

// True when the readings end in an unbroken certain breach long enough to
// raise: whatever happened before, the alert is active at the end.
bool ends_in_certain_breach(std::span<const SlotClass> c, std::int64_t for_ms) {
  if (c.empty() || !c.back().must_breach) return false;
  std::size_t s = c.size() - 1;
  while (s > 0 && c[s - 1].must_breach) --s;
  return c.back().t_ms - c[s].t_ms >= for_ms;
}

}  // namespace

std::vector<Episode> find_episodes(std::span<const SlotClass> c, std::int64_t for_ms) {
  std::vector<Episode> episodes;
  const std::size_t n = c.size();
  std::size_t i = 0;
  while (i < n) {
    if (c[i].must_clear) {
      ++i;
      continue;
    }
    // A zone: readings between two certain clears. An alert raised inside it
    // cannot be certainly cleared before the zone ends.
    const std::size_t zs = i;
    std::size_t ze = i;
    while (ze < n && !c[ze].must_clear) ++ze;
    i = ze;

    // Earliest possible raise: an unbroken possible breach lasting for_ms.
    std::optional<std::size_t> earliest;
    for (std::size_t j = zs; j < ze && !earliest;) {
      if (!c[j].can_breach) {
        ++j;
        continue;
      }
      const std::size_t s = j;
      for (; j < ze && c[j].can_breach; ++j) {
        if (c[j].t_ms - c[s].t_ms >= for_ms) {
          earliest = j;
          break;
        }
      }
    }
    if (!earliest) continue;

    // Latest certain raise: the first certain breach that lasts for_ms.
    std::optional<std::size_t> latest;
    std::size_t run_end = 0;
    for (std::size_t j = zs; j < ze && !latest;) {
      if (!c[j].must_breach) {
        ++j;
        continue;
      }
      const std::size_t s = j;
      std::size_t e = j;
      while (e < ze && c[e].must_breach) ++e;
      for (std::size_t q = s; q < e; ++q) {
        if (c[q].t_ms - c[s].t_ms >= for_ms) {
          latest = q;
          run_end = e;
          break;
        }
      }
      j = e;
    }

    Episode ep;
    ep.certain = latest.has_value();
    ep.raise_earliest = *earliest;
    ep.raise_latest = latest;
    if (latest) {
      // Active for certain from `latest` to the end of its unbroken breach.
      for (std::size_t q = *latest; q < run_end; ++q) {
        ep.severity = std::max(ep.severity, c[q].must_severity);
      }
    }
    for (std::size_t q = *earliest; q < ze; ++q) {
      ep.max_severity = std::max(ep.max_severity, c[q].can_severity);
    }
    std::optional<std::size_t> first_can_clear;
    for (std::size_t q = *earliest + 1; q < ze; ++q) {
      if (c[q].can_clear) {
        first_can_clear = q;
        break;
      }
    }
    if (ze < n) {
      ep.clear = ClearExpectation::yes;
      ep.clear_latest = ze;
      ep.clear_earliest = first_can_clear.value_or(ze);
    } else if (first_can_clear && !ends_in_certain_breach(c, for_ms)) {
      // It may clear on the way (a ramp through the ambiguous band) and is
      // not certainly active again at the end.
      ep.clear = ClearExpectation::maybe;
      ep.clear_earliest = first_can_clear;
    }
    episodes.push_back(ep);
  }
  return episodes;
}

std::vector<std::pair<std::string, std::string>> profile_fields(const ProfileNeeds& needs,
                                                                const vitalsd::RuleSet& rules) {
  std::vector<std::pair<std::string, std::string>> fields;
  if (needs.news2_scale != 1) fields.emplace_back("news2_scale", std::to_string(needs.news2_scale));
  for (const auto& rule : rules.thresholds) {
    for (const auto& o : needs.overrides) {
      if (o.metric != rule.metric || o.direction != rule.direction) continue;
      for (const auto& level : rule.levels) {
        if (level.severity != o.severity) continue;
        fields.emplace_back(rule.name + "." + std::string(vitalsd::severity_name(o.severity)),
                            fmt::format("{}", o.threshold));
      }
    }
  }
  return fields;
}

Expectations expect_alerts(const vitalsd::RuleSet& rules, const ExpectationContext& ctx) {
  Expectations ex;
  const WardPlan& ward = *ctx.ward;
  std::optional<std::int64_t> last_reading_min;
  for (const PatientPlan& p : ward.patients) {
    const std::vector<ReadingRange> readings = accepted_readings(p, ctx);
    const ProfileNeeds needs = p.course ? p.course->profile : ProfileNeeds{};
    const std::size_t before = ex.alerts.size();
    std::vector<SlotClass> classes(readings.size());
    for (const ThresholdRule& base : rules.thresholds) {
      const ThresholdRule rule = with_overrides(base, needs);
      for (std::size_t i = 0; i < readings.size(); ++i) classes[i] = classify(rule, readings[i]);
      add_episodes(p, rule.name, vitalsd::vital_name(rule.metric), classes,
                   rule.for_duration.count(), ctx, ex.alerts);
    }
    if (rules.news2.enabled) {
      for (std::size_t i = 0; i < readings.size(); ++i) {
        classes[i] = classify_news2(readings[i], needs.news2_scale);
      }
      add_episodes(p, vitalsd::kNews2RuleName, "news2", classes, 0, ctx, ex.alerts);
    }
    if (rules.signal_lost.enabled) add_signal_lost(p, readings, rules.signal_lost, ctx, ex.alerts);
    if (ex.alerts.size() == before) ex.quiet_patients.push_back(p.id);
    if (!readings.empty()) {
      const std::int64_t last = readings.back().t_ms;
      last_reading_min = last_reading_min ? std::min(*last_reading_min, last) : last;
    }
  }
  if (rules.signal_lost.enabled && last_reading_min) {
    ex.valid_until_ms = *last_reading_min + rules.signal_lost.after.count();
  }
  bool any_course = false;
  for (const auto& p : ward.patients) any_course = any_course || p.course != nullptr;
  if (any_course) {
    // A plateau must outlast `for` by a couple of readings and some margin for
    // the ramp into it to be judged with certainty.
    const double interval_s = static_cast<double>(ward.patients.size()) / ctx.model_rate;
    std::string short_of;
    for (const auto& rule : rules.thresholds) {
      const double for_s = static_cast<double>(rule.for_duration.count()) / 1000.0;
      if (ward.options.min_hold_s < for_s + 2 * interval_s + 10.0) {
        short_of += fmt::format("{}{} ({}s)", short_of.empty() ? "" : ", ", rule.name, for_s);
      }
    }
    if (!short_of.empty()) {
      ex.notes.push_back(fmt::format(
          "plateaus are held for {}s (--min-hold), not clearly longer than the `for` of {}: "
          "their alerts may be listed as optional",
          ward.options.min_hold_s, short_of));
    }
  }
  return ex;
}

}  // namespace vitals_pub
