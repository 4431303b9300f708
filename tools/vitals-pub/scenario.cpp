#include "scenario.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include <fmt/format.h>

namespace vitals_pub {
namespace {

Target to(double v) { return {Target::Kind::absolute, v}; }
Target baseline() { return {Target::Kind::baseline, 0}; }

Targets targets(std::initializer_list<std::pair<Vital, Target>> list) {
  Targets t{};
  for (const auto& [v, target] : list) t[index_of(v)] = target;
  return t;
}

Targets all_baseline() {
  Targets t{};
  t.fill(baseline());
  return t;
}

constexpr double kMinute = 60.0;

// Clinical courses, compressed from what a ward would see over an hour or two.
// Plateau values sit well past typical adult ward thresholds and mid-band in
// NEWS2 where the chart allows, so that noise cannot make an expectation
// ambiguous more often than it has to (expected_alerts.h says what is certain).
std::vector<ScenarioSpec> make_catalog() {
  using enum Vital;
  std::vector<ScenarioSpec> c;

  c.push_back({"sepsis",
               "HR, RR and temperature rise (compensated), then SBP falls and new confusion "
               "(septic shock); resuscitation brings all back to baseline",
               ScenarioKind::course,
               {
                   {"stable", Timing::scaled, 5 * kMinute, {}, {}, {}, {}},
                   {"early_sepsis",
                    Timing::scaled,
                    20 * kMinute,
                    {},
                    targets({{hr, to(118)}, {rr, to(23)}, {temp, to(38.7)}}),
                    {},
                    {}},
                   {"compensated", Timing::held, 10 * kMinute, {}, {}, {}, {}},
                   {"decompensating",
                    Timing::scaled,
                    10 * kMinute,
                    {},
                    targets({{sbp, to(78)},
                             {dbp, to(45)},
                             {hr, to(132)},
                             {rr, to(27)},
                             {temp, to(39.2)},
                             {spo2, to(96)}}),
                    {},
                    {}},
                   {"septic_shock", Timing::held, 15 * kMinute, {}, {}, Acvpu::C, {}},
                   {"resuscitation", Timing::scaled, 30 * kMinute, {}, all_baseline(), {}, {}},
                   {"recovered", Timing::held, 10 * kMinute, {}, {}, Acvpu::A, {}},
               },
               {}});

  c.push_back({"hypoxia",
               "SpO2 falls to 87 % with RR and HR rising (e.g. pneumonia); oxygen is started "
               "and SpO2 recovers to 97 % on O2",
               ScenarioKind::course,
               {
                   {"stable", Timing::scaled, 5 * kMinute, {}, {}, {}, {}},
                   {"desaturating",
                    Timing::scaled,
                    15 * kMinute,
                    {},
                    targets({{spo2, to(87)}, {rr, to(25)}, {hr, to(104)}}),
                    {},
                    {}},
                   {"hypoxic", Timing::held, 10 * kMinute, {}, {}, {}, {}},
                   {"oxygen_started",
                    Timing::scaled,
                    10 * kMinute,
                    {},
                    targets({{spo2, to(97)}, {rr, baseline()}, {hr, baseline()}}),
                    {},
                    true},
                   {"on_oxygen", Timing::held, 10 * kMinute, {}, {}, {}, {}},
               },
               {}});

  c.push_back({"opioid",
               "post-operative opioid over-sedation: RR falls to 7/min, SpO2 to 88 %, ACVPU "
               "A -> V; naloxone reverses it within minutes",
               ScenarioKind::course,
               {
                   {"stable", Timing::scaled, 5 * kMinute, {}, {}, {}, {}},
                   {"sedation",
                    Timing::scaled,
                    20 * kMinute,
                    {},
                    targets({{rr, to(7)}, {spo2, to(88)}, {hr, to(58)}}),
                    {},
                    {}},
                   {"over_sedated", Timing::held, 10 * kMinute, {}, {}, Acvpu::V, {}},
                   {"naloxone",
                    Timing::scaled,
                    3 * kMinute,
                    {},
                    targets({{rr, baseline()}, {spo2, baseline()}, {hr, baseline()}}),
                    Acvpu::A,
                    {}},
                   {"reversed", Timing::held, 10 * kMinute, {}, {}, {}, {}},
               },
               {}});

  c.push_back({"bradycardia",
               "HR slows to 42 (second-degree block), then 32 with SBP 92 (complete heart "
               "block); not reversed (awaiting pacing)",
               ScenarioKind::course,
               {
                   {"stable", Timing::scaled, 5 * kMinute, {}, {}, {}, {}},
                   {"slowing", Timing::scaled, 10 * kMinute, {}, targets({{hr, to(42)}}), {}, {}},
                   {"heart_block", Timing::held, 10 * kMinute, {}, {}, {}, {}},
                   {"complete_block_onset",
                    Timing::scaled,
                    3 * kMinute,
                    {},
                    targets({{hr, to(32)}, {sbp, to(92)}, {dbp, to(55)}}),
                    {},
                    {}},
                   {"complete_heart_block", Timing::held, 10 * kMinute, {}, {}, {}, {}},
               },
               {}});

  c.push_back(
      {"copd",
       "chronic COPD on NEWS2 Scale 2: SpO2 90 % on air (no alert), over-oxygenated to 99 % on "
       "O2 (NEWS2 alert), titrated back to 90 % on O2",
       ScenarioKind::course,
       {
           {"chronic",
            Timing::held,
            10 * kMinute,
            targets({{spo2, to(90)}, {rr, to(18)}, {hr, to(86)}}),
            {},
            {},
            false},
           {"oxygen_given", Timing::scaled, 5 * kMinute, {}, targets({{spo2, to(99)}}), {}, true},
           {"over_oxygenated", Timing::held, 10 * kMinute, {}, {}, {}, {}},
           {"titrated", Timing::scaled, 5 * kMinute, {}, targets({{spo2, to(90)}}), {}, {}},
           {"on_target", Timing::held, 10 * kMinute, {}, {}, {}, {}},
       },
       // Target saturation 88-92 %: Scale 2, and SpO2 thresholds moved down so
       // the patient's usual 88-92 % is not an alarm (SPEC §4 overrides).
       {2,
        {{spo2, vitalsd::Direction::below, Severity::low, 88},
         {spo2, vitalsd::Direction::below, Severity::medium, 86},
         {spo2, vitalsd::Direction::below, Severity::high, 84}}}});

  c.push_back({"dropout",
               "sensor dropout: normal readings for 60 s, then none for 180 s (real time), then "
               "readings resume",
               ScenarioKind::course,
               {
                   {"connected", Timing::real, kDropoutGapSeconds / 3, {}, {}, {}, {}},
                   {"dropout", Timing::gap, kDropoutGapSeconds, {}, {}, {}, {}},
                   {"reconnected", Timing::real, kDropoutGapSeconds / 3, {}, {}, {}, {}},
               },
               {}});

  c.push_back({"artefacts",
               "a share (--artefact-rate) of this patient's readings are replaced by "
               "implausible spikes and malformed payloads the monitor must reject",
               ScenarioKind::overlay,
               {},
               {}});
  return c;
}

double real_duration(const PhaseSpec& p, double time_scale, double min_hold_s, double real_scale) {
  switch (p.timing) {
    case Timing::scaled:
      return p.seconds / time_scale;
    case Timing::held:
      return std::max(p.seconds / time_scale, min_hold_s);
    case Timing::real:
    case Timing::gap:
      return p.seconds * real_scale;
  }
  return p.seconds;
}

void apply(const Targets& t, const VitalArray& baseline, VitalArray& values) {
  for (std::size_t i = 0; i < kVitalCount; ++i) {
    switch (t[i].kind) {
      case Target::Kind::keep:
        break;
      case Target::Kind::absolute:
        values[i] = t[i].value;
        break;
      case Target::Kind::baseline:
        values[i] = baseline[i];
        break;
    }
  }
}

}  // namespace

const std::vector<ScenarioSpec>& scenario_catalog() {
  static const std::vector<ScenarioSpec> catalog = make_catalog();
  return catalog;
}

const ScenarioSpec* find_scenario(std::string_view name) {
  for (const auto& s : scenario_catalog()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string scenario_listing() {
  static constexpr std::string_view kTiming[] = {"clinical", "held", "real", "silent"};
  std::string out;
  for (const auto& s : scenario_catalog()) {
    out += fmt::format("{}: {}\n", s.name, s.summary);
    if (s.profile.news2_scale != 1) {
      out += fmt::format("  needs profile: news2_scale = {}", s.profile.news2_scale);
      for (const auto& o : s.profile.overrides) {
        out += fmt::format(", {} {} below {}", vitalsd::vital_name(o.metric),
                           vitalsd::severity_name(o.severity), o.threshold);
      }
      out += '\n';
    }
    for (const auto& p : s.phases) {
      std::string changes;
      const auto describe = [&](const Targets& t, std::string_view how) {
        for (Vital v : vitalsd::kAllVitals) {
          const Target& x = t[index_of(v)];
          if (x.kind == Target::Kind::keep) continue;
          changes += fmt::format(" {}{}{}", vitalsd::vital_name(v), how,
                                 x.kind == Target::Kind::baseline ? std::string("baseline")
                                                                  : fmt::format("{}", x.value));
        }
      };
      describe(p.set, "=");
      describe(p.to, "->");
      if (p.acvpu) changes += fmt::format(" acvpu={}", vitalsd::acvpu_name(*p.acvpu));
      if (p.o2) changes += fmt::format(" o2={}", *p.o2);
      out += fmt::format("  {:<22} {:>5.0f}s {:<8}{}\n", p.name, p.seconds,
                         kTiming[static_cast<int>(p.timing)], changes);
    }
  }
  return out;
}

Timeline::Timeline(const VitalArray& baseline) : baseline_(baseline) {}

Timeline::Timeline(const ScenarioSpec& spec, const VitalArray& baseline, double time_scale,
                   double min_hold_s, double real_scale)
    : baseline_(baseline) {
  VitalArray current = baseline;
  Acvpu acvpu = Acvpu::A;
  bool o2 = false;
  double t = 0;
  for (const PhaseSpec& p : spec.phases) {
    apply(p.set, baseline, current);
    if (p.acvpu) acvpu = *p.acvpu;
    if (p.o2) o2 = *p.o2;
    TimelinePhase phase;
    phase.name = std::string(p.name);
    phase.begin_s = t;
    phase.end_s = t + real_duration(p, time_scale, min_hold_s, real_scale);
    phase.from = current;
    apply(p.to, baseline, current);
    phase.to = current;
    phase.acvpu = acvpu;
    phase.o2 = o2;
    phase.silent = p.timing == Timing::gap;
    t = phase.end_s;
    phases_.push_back(std::move(phase));
  }
}

ScriptPoint Timeline::at(double offset_s) const {
  ScriptPoint p;
  if (phases_.empty()) {
    p.mean = baseline_;
    return p;
  }
  const auto it = std::upper_bound(phases_.begin(), phases_.end(), offset_s,
                                   [](double t, const TimelinePhase& ph) { return t < ph.end_s; });
  if (it == phases_.end()) {
    const TimelinePhase& last = phases_.back();
    p.mean = last.to;
    p.acvpu = last.acvpu;
    p.o2 = last.o2;
    p.phase = static_cast<int>(phases_.size());
    return p;
  }
  const TimelinePhase& ph = *it;
  const double span = ph.end_s - ph.begin_s;
  const double f = span > 0 ? std::clamp((offset_s - ph.begin_s) / span, 0.0, 1.0) : 1.0;
  for (std::size_t i = 0; i < kVitalCount; ++i) {
    p.mean[i] = ph.from[i] + (ph.to[i] - ph.from[i]) * f;
  }
  p.acvpu = ph.acvpu;
  p.o2 = ph.o2;
  p.silent = ph.silent;
  p.phase = static_cast<int>(it - phases_.begin());
  return p;
}

}  // namespace vitals_pub
