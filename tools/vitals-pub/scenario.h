// Scenarios: scripted courses of illness (and of device trouble) that a
// clinician would recognise, and the per-patient timeline they unfold on.
//
// A scenario is a list of phases. Each phase may step some values at its start
// (`set`) and move others linearly to a target by its end (`to`); values not
// named carry on from the previous phase (the patient's baseline at first).
// Targets are absolute clinical values ("SpO2 87 %"), so what a monitor should
// make of a plateau does not depend on the patient's baseline.
//
// Time model (see README): physiology runs on clinical time, compressed by
// --time-scale; a `held` phase (a plateau a monitor must judge) lasts at least
// --min-hold of real time whatever the scale, because the daemon's `for`
// durations are measured on real send times; `real` and `gap` phases (device
// events, not physiology) are in real seconds and never scaled.
//
// Everything here is immutable after construction and pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/rule_set.h"
#include "physiology.h"

namespace vitals_pub {

using vitalsd::Severity;

struct Target {
  enum class Kind : std::uint8_t { keep, absolute, baseline };
  Kind kind = Kind::keep;
  double value = 0;
};
using Targets = std::array<Target, kVitalCount>;

enum class Timing : std::uint8_t {
  scaled,  // clinical seconds, divided by --time-scale
  held,    // as scaled, but at least --min-hold of real time
  real,    // real seconds, never scaled
  gap,     // real seconds during which the device sends nothing
};

struct PhaseSpec {
  std::string_view name;
  Timing timing = Timing::scaled;
  double seconds = 0;
  Targets set{};               // stepped to at the phase start
  Targets to{};                // reached linearly at the phase end
  std::optional<Acvpu> acvpu;  // from the phase start
  std::optional<bool> o2;      // from the phase start
};

enum class ScenarioKind : std::uint8_t {
  course,   // a clinical course or a device course (dropout); one per patient
  overlay,  // artefacts: mixes into whatever else the patient does
};

// A per-patient setting the monitor must have for the scenario's expected
// alerts to hold (SPEC §4 profile hash), e.g. NEWS2 Scale 2 for a COPD patient.
struct ThresholdOverride {
  Vital metric;
  vitalsd::Direction direction;
  Severity severity;
  double threshold;
};
struct ProfileNeeds {
  int news2_scale = 1;
  std::vector<ThresholdOverride> overrides;  // applied to every rule on that metric and direction
  bool empty() const { return news2_scale == 1 && overrides.empty(); }
};

struct ScenarioSpec {
  std::string_view name;
  std::string_view summary;  // one line, for --help
  ScenarioKind kind = ScenarioKind::course;
  std::vector<PhaseSpec> phases;
  ProfileNeeds profile;
};

// The built-in scenarios, in --help order.
const std::vector<ScenarioSpec>& scenario_catalog();
const ScenarioSpec* find_scenario(std::string_view name);

// A sensor dropout's silence as scripted (the `dropout` scenario's gap);
// --dropout-gap rescales the scenario's real-time phases to another length.
constexpr double kDropoutGapSeconds = 180.0;

// Every scenario with its phases, timings and scripted values (--list-scenarios).
std::string scenario_listing();

// One phase placed on the run's real time axis (seconds from the run start).
struct TimelinePhase {
  std::string name;
  double begin_s = 0;
  double end_s = 0;
  VitalArray from{};  // scripted values at begin_s (after the phase's steps)
  VitalArray to{};    // scripted values at end_s
  Acvpu acvpu = Acvpu::A;
  bool o2 = false;
  bool silent = false;  // a gap: the device sends nothing
};

// What the script says at one moment.
struct ScriptPoint {
  VitalArray mean{};
  Acvpu acvpu = Acvpu::A;
  bool o2 = false;
  bool silent = false;
  // Index into Timeline::phases(); phases().size() once the script is over
  // (the last values are then held); -1 for a patient without a course.
  int phase = -1;
};

class Timeline {
 public:
  // A patient with no course: always at baseline.
  explicit Timeline(const VitalArray& baseline);
  // `real_scale` multiplies the `real` and `gap` phases (device events), e.g.
  // to shorten a dropout for a monitor whose signal_lost `after` is short.
  Timeline(const ScenarioSpec& spec, const VitalArray& baseline, double time_scale,
           double min_hold_s, double real_scale = 1.0);

  ScriptPoint at(double offset_s) const;
  const std::vector<TimelinePhase>& phases() const { return phases_; }
  // Real seconds until the script is over (0 without a course).
  double end_s() const { return phases_.empty() ? 0.0 : phases_.back().end_s; }

 private:
  VitalArray baseline_;
  std::vector<TimelinePhase> phases_;
};

}  // namespace vitals_pub
