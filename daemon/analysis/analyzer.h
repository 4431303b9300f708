// Analyzer: judges readings against the rule set, for the patients of one worker.
//
// Owns every per-patient state of its shard (rule states, later NEWS2 inputs
// and signal-lost bookkeeping) and emits alert transitions to an AlertSink.
// Not thread-safe: only the owning worker thread calls it; a patient's
// readings reach it in arrival order.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analysis/alert_event.h"
#include "analysis/alert_id.h"
#include "analysis/rule_set.h"
#include "analysis/threshold_evaluator.h"
#include "common/clock.h"
#include "ingest/reading.h"

namespace vitalsd {

// Active alerts by severity (index 0 = low), for the active_alerts gauge.
using ActiveAlertCounts = std::array<std::int64_t, 3>;

class Analyzer {
 public:
  Analyzer(const Clock& clock, AlertSink& sink, std::shared_ptr<const RuleSet> rules,
           AlertIdGenerator ids = AlertIdGenerator());

  void on_reading(const Reading& reading);

  // Swaps in a new rule set. State carries over for rules that keep their
  // name (a changed threshold is judged from the next reading on); active
  // alerts of removed rules are cleared with reason rule_removed.
  void set_rules(std::shared_ptr<const RuleSet> rules);
  const RuleSet& rules() const { return *rules_; }

  std::size_t patient_count() const { return patients_.size(); }
  const ActiveAlertCounts& active_alerts() const { return active_; }

 private:
  struct PatientState {
    PatientId id;
    std::vector<ThresholdState> thresholds;  // parallel to rules_->thresholds
  };

  // Heterogeneous lookup: finding a patient by string_view does not allocate.
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  PatientState& patient(const PatientId& id);
  // `cause` is the reading behind the transition, or null (e.g. a rule removed by a reload).
  void emit(const PatientState& p, const ThresholdRule& rule, const ThresholdTransition& t,
            const Reading* cause, std::optional<ClearReason> reason = std::nullopt);
  void count_active(const ThresholdTransition& t, Severity previous);

  const Clock& clock_;
  AlertSink& sink_;
  std::shared_ptr<const RuleSet> rules_;
  AlertIdGenerator ids_;
  std::unordered_map<std::string, PatientState, IdHash, std::equal_to<>> patients_;
  ActiveAlertCounts active_ = {};
};

}  // namespace vitalsd
