#include "analysis/threshold_evaluator.h"

namespace vitalsd {
namespace {

bool breaches(Direction d, double value, double threshold) {
  return d == Direction::below ? value < threshold : value > threshold;
}

bool back_in_range(Direction d, double value, double mildest, double hysteresis) {
  return d == Direction::below ? value >= mildest + hysteresis : value <= mildest - hysteresis;
}

// Index of the most severe level `value` breaches. Does not assume the levels
// are ordered: a profile override may have made them non-monotonic.
std::optional<std::size_t> most_severe_breach(Direction d, std::span<const ThresholdLevel> levels,
                                              double value) {
  std::optional<std::size_t> worst;
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (!breaches(d, value, levels[i].threshold)) continue;
    if (!worst || levels[i].severity > levels[*worst].severity) worst = i;
  }
  return worst;
}

}  // namespace

std::optional<ThresholdTransition> step_threshold(const ThresholdRule& rule,
                                                  std::span<const ThresholdLevel> levels,
                                                  ThresholdState& state, double value,
                                                  std::int64_t ts_ms, AlertIdGenerator& ids) {
  if (levels.empty()) return std::nullopt;
  const std::optional<std::size_t> breach = most_severe_breach(rule.direction, levels, value);

  Episode& ep = state.episode;
  if (!ep.active) {
    if (!breach) {
      state.breach_start_ts.reset();  // the breach is broken; `for` starts over
      return std::nullopt;
    }
    if (!state.breach_start_ts) state.breach_start_ts = ts_ms;
    if (ts_ms - *state.breach_start_ts < rule.for_duration.count()) return std::nullopt;
    state.breach_start_ts.reset();
    ep = Episode::open(levels[*breach].severity, ids);
    return ThresholdTransition{AlertState::raised, ep.severity, levels[*breach].threshold, ep.id};
  }

  if (back_in_range(rule.direction, value, levels.front().threshold, rule.hysteresis)) {
    ThresholdTransition cleared{AlertState::cleared, ep.severity, levels.front().threshold, ep.id};
    state = ThresholdState{};
    return cleared;
  }
  if (breach && levels[*breach].severity > ep.severity) {
    ep.severity = levels[*breach].severity;
    ep.acknowledged = false;  // an escalation needs a new acknowledgement
    return ThresholdTransition{AlertState::escalated, ep.severity, levels[*breach].threshold,
                               ep.id};
  }
  return std::nullopt;
}

}  // namespace vitalsd
