// Analyzer: judges readings against the rule set, for the patients of one worker.
//
// Owns every per-patient state of its shard: threshold rule states, the
// newest vitals that feed NEWS2, the NEWS2 and signal_lost episodes, the
// patient's profile, and its place in the signal-lost watch. Emits alert
// transitions to an AlertSink.
//
// Not thread-safe: only the owning worker thread calls it; a patient's
// readings and acks reach it in arrival order.
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
#include "analysis/episode.h"
#include "analysis/latest_vitals.h"
#include "analysis/news2_evaluator.h"
#include "analysis/patient_profile.h"
#include "analysis/rule_set.h"
#include "analysis/signal_watch.h"
#include "analysis/threshold_evaluator.h"
#include "common/clock.h"
#include "ingest/ack.h"
#include "ingest/reading.h"

namespace vitalsd {

// Active alerts by severity (index 0 = low), for the active_alerts gauge.
using ActiveAlertCounts = std::array<std::int64_t, 3>;

enum class AckResult : std::uint8_t {
  acknowledged,  // an active alert, now acknowledged
  inactive,      // no such active alert (unknown patient or rule, or not active)
  duplicate,     // already acknowledged
};

class Analyzer {
 public:
  Analyzer(const Clock& clock, AlertSink& sink, std::shared_ptr<const RuleSet> rules,
           AlertIdGenerator ids = AlertIdGenerator());

  void on_reading(const Reading& reading);

  // Acknowledges the patient's active alert for ack.rule, if there is one.
  AckResult on_ack(const AckRequest& ack);

  // Raises signal_lost for patients whose last valid reading arrived at least
  // `after` ago (wall clock). Costs O(patients newly quiet); call it often.
  void on_tick();

  // Swaps in a new rule set. State carries over for rules that keep their
  // name (a changed threshold is judged from the next reading on); active
  // alerts of removed rules (and of news2 / signal_lost when switched off)
  // are cleared with reason rule_removed.
  void set_rules(std::shared_ptr<const RuleSet> rules);
  const RuleSet& rules() const { return *rules_; }

  // Installs the patient's profile (null: defaults). Pausing clears the
  // patient's active alerts (reason patient_paused); other changes are judged
  // from the next reading on.
  void set_profile(const PatientId& patient, std::shared_ptr<const PatientProfile> profile);

  std::size_t patient_count() const { return patients_.size(); }
  const ActiveAlertCounts& active_alerts() const { return active_; }

 private:
  struct PatientState : SignalWatchNode {
    PatientId id;
    std::vector<ThresholdState> thresholds;  // parallel to rules_->thresholds
    LatestVitals latest;
    Episode news2;
    Episode signal_lost;
    std::shared_ptr<const PatientProfile> profile;  // null: defaults
    bool paused() const { return profile && profile->paused; }
  };

  // Heterogeneous lookup: finding a patient by string_view does not allocate.
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  // What an emitted alert says beyond the episode itself.
  struct Detail {
    const Reading* cause = nullptr;  // the reading behind the transition, if any
    std::optional<double> value = std::nullopt;
    std::optional<double> threshold = std::nullopt;
    const News2Evaluation* news2 = nullptr;
    std::optional<ClearReason> reason = std::nullopt;
    const AckBy* by = nullptr;
  };

  PatientState& patient(const PatientId& id);
  PatientState* find(std::string_view id);
  void evaluate_thresholds(PatientState& p, const Reading& r);
  void evaluate_news2(PatientState& p, const Reading& r);
  void clear_all(PatientState& p, ClearReason reason);
  // Clears `ep` if active, emitting `cleared` with `detail`.
  void clear(PatientState& p, Episode& ep, std::string_view rule, std::string_view metric,
             const Detail& detail);
  Episode* episode_of(PatientState& p, std::string_view rule);

  void emit(const PatientState& p, std::string_view rule, std::string_view metric,
            AlertState state, const Episode& ep, const Detail& detail);
  // Keeps active_ in step with one episode's change.
  void account(bool was_active, Severity was, const Episode& now);

  const Clock& clock_;
  AlertSink& sink_;
  std::shared_ptr<const RuleSet> rules_;
  AlertIdGenerator ids_;
  std::unordered_map<std::string, PatientState, IdHash, std::equal_to<>> patients_;
  SignalWatch watch_;
  ActiveAlertCounts active_ = {};
};

}  // namespace vitalsd
