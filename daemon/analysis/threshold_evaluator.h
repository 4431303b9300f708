// The threshold-rule state machine of SPEC §3, for one (patient, rule).
//
// Pure: the caller passes the rule, the thresholds in force for this patient,
// the state, and one reading's value and time; no clock is read, so every
// transition is unit-testable without sleeping. Time is reading time (ts).
#pragma once

#include <array>
#include <cassert>
#include <cstdint>
#include <optional>
#include <span>

#include "analysis/alert_event.h"
#include "analysis/alert_id.h"
#include "analysis/episode.h"
#include "analysis/rule_set.h"

namespace vitalsd {

// State of one (patient, rule). Owned by the worker that owns the patient.
struct ThresholdState {
  // ts of the first reading of the current unbroken breach, while waiting out `for`.
  std::optional<std::int64_t> breach_start_ts;
  Episode episode;
};

// A rule's levels with a patient's profile overrides applied; at most one per severity.
struct EffectiveLevels {
  std::array<ThresholdLevel, 3> levels;
  std::uint8_t count = 0;
  std::span<const ThresholdLevel> view() const { return {levels.data(), count}; }
};

// Starts from the rule's levels; `override_for(severity)` may return a replacement threshold.
template <class OverrideFn>
EffectiveLevels effective_levels(const ThresholdRule& rule, OverrideFn&& override_for) {
  EffectiveLevels out;
  assert(rule.levels.size() <= out.levels.size() && "the loader allows one level per severity");
  for (const ThresholdLevel& level : rule.levels) {
    if (out.count == out.levels.size()) break;
    ThresholdLevel l = level;
    if (std::optional<double> t = override_for(l.severity)) l.threshold = *t;
    out.levels[out.count++] = l;
  }
  return out;
}

struct ThresholdTransition {
  AlertState state;
  Severity severity;  // after the transition (for cleared: the severity it had)
  double threshold;   // raised/escalated: the level breached; cleared: the mildest level
  AlertId id;
};

// Feeds one reading's value into the state machine and returns the transition
// it causes, if any:
//  - raised: first breaching reading at least rule.for_duration (reading time)
//    after the first reading of the unbroken breach; severity = most severe
//    level that reading breaches;
//  - escalated: while active, a reading breaches a more severe level;
//  - cleared: a reading is back past the mildest threshold by rule.hysteresis.
// `levels` is normally effective_levels(rule, ...).view(); mildest first.
std::optional<ThresholdTransition> step_threshold(const ThresholdRule& rule,
                                                  std::span<const ThresholdLevel> levels,
                                                  ThresholdState& state, double value,
                                                  std::int64_t ts_ms, AlertIdGenerator& ids);

}  // namespace vitalsd
