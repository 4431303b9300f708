#include "analysis/analyzer.h"

#include <utility>

namespace vitalsd {
namespace {

std::size_t severity_index(Severity s) { return static_cast<std::size_t>(s) - 1; }

}  // namespace

Analyzer::Analyzer(const Clock& clock, AlertSink& sink, std::shared_ptr<const RuleSet> rules,
                   AlertIdGenerator ids)
    : clock_(clock), sink_(sink), rules_(std::move(rules)), ids_(std::move(ids)) {}

Analyzer::PatientState& Analyzer::patient(const PatientId& id) {
  auto it = patients_.find(id.view());
  if (it == patients_.end()) {
    it = patients_.emplace(id.str(), PatientState{id, {}}).first;
    it->second.thresholds.resize(rules_->thresholds.size());
  }
  return it->second;
}

void Analyzer::on_reading(const Reading& reading) {
  PatientState& p = patient(reading.patient);
  const auto& rules = rules_->thresholds;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const ThresholdRule& rule = rules[i];
    if (!reading.vitals.has(rule.metric)) continue;
    ThresholdState& state = p.thresholds[i];
    const Severity before = state.severity;
    const bool was_active = state.active;
    const EffectiveLevels levels =
        effective_levels(rule, [](Severity) { return std::optional<double>(); });
    if (auto t = step_threshold(rule, levels.view(), state, reading.vitals.get(rule.metric), reading.ts_ms,
                                    ids_)) {
      count_active(*t, was_active ? before : t->severity);
      emit(p, rule, *t, &reading);
    }
  }
}

void Analyzer::count_active(const ThresholdTransition& t, Severity previous) {
  switch (t.state) {
    case AlertState::raised:
      ++active_[severity_index(t.severity)];
      break;
    case AlertState::escalated:
      --active_[severity_index(previous)];
      ++active_[severity_index(t.severity)];
      break;
    case AlertState::cleared:
      --active_[severity_index(t.severity)];
      break;
    case AlertState::acknowledged:
      break;
  }
}

void Analyzer::emit(const PatientState& p, const ThresholdRule& rule,
                    const ThresholdTransition& t, const Reading* cause,
                    std::optional<ClearReason> reason) {
  AlertEvent e;
  e.id = t.id;
  e.patient = p.id;
  e.rule = RuleName(rule.name);
  e.metric = vital_name(rule.metric);
  e.state = t.state;
  e.severity = t.severity;
  e.emitted_ms = clock_.wall_ms();
  if (cause != nullptr) {
    e.value = cause->vitals.get(rule.metric);
    e.threshold = t.threshold;
    e.reading_ts_ms = cause->ts_ms;
    e.device = cause->device;
    e.received_mono_ns = cause->received_mono_ns;
  }
  e.reason = reason;
  sink_.emit(e);
}

void Analyzer::set_rules(std::shared_ptr<const RuleSet> rules) {
  const std::shared_ptr<const RuleSet> old = std::exchange(rules_, std::move(rules));
  for (auto& [key, p] : patients_) {
    std::vector<ThresholdState> remapped(rules_->thresholds.size());
    for (std::size_t i = 0; i < old->thresholds.size(); ++i) {
      const ThresholdRule& old_rule = old->thresholds[i];
      ThresholdState& state = p.thresholds[i];
      bool kept = false;
      for (std::size_t j = 0; j < rules_->thresholds.size(); ++j) {
        if (rules_->thresholds[j].name == old_rule.name) {
          remapped[j] = state;
          kept = true;
          break;
        }
      }
      if (kept || !state.active) continue;
      ThresholdTransition t{AlertState::cleared, state.severity,
                            old_rule.levels.empty() ? 0.0 : old_rule.levels.front().threshold,
                            state.id};
      count_active(t, state.severity);
      emit(p, old_rule, t, nullptr, ClearReason::rule_removed);
    }
    p.thresholds = std::move(remapped);
  }
}

}  // namespace vitalsd
