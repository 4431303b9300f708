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
#include "analysis/profile_requester.h"
#include "analysis/rule_set.h"
#include "analysis/signal_watch.h"
#include "analysis/threshold_evaluator.h"
#include "common/clock.h"
#include "ingest/ack.h"
#include "ingest/reading.h"
#include "dispatch/work_item.h"

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
  // `profiles` null: no profile source (Redis off); every patient has defaults
  // unless set_profile() says otherwise.
  Analyzer(const Clock& clock, AlertSink& sink, std::shared_ptr<const RuleSet> rules,
           ProfileRequester* profiles = nullptr, ProfilePolicy policy = {},
           AlertIdGenerator ids = AlertIdGenerator());

  // Evaluates the reading; or, for a patient whose profile has not arrived
  // yet, holds it (bounded, see ProfilePolicy) until it does; or skips it as
  // a redelivered duplicate (see restore_last_ts).
  void on_reading(const Reading& reading);

  // The store's answer to request_profile(). Releases the patient's held readings.
  void on_profile(const PatientId& patient, const ProfileAnswer& answer);

  // The patient's profile changed in Redis: fetch it again now.
  void invalidate_profile(std::string_view patient);
  // Every cached profile may be stale: each is fetched again at its patient's next reading.
  void invalidate_all_profiles();

  // Restart recovery, before any reading: an alert that was active when
  // vitalsd stopped. False (and a `cleared` with reason rule_removed) if the
  // rule no longer exists.
  bool restore_alert(const PatientId& patient, std::string_view rule, const Episode& episode);
  // The newest reading time vitalsd had processed for the patient. A reading
  // the broker redelivers (DUP flag) that is not newer was evaluated before
  // the restart and is skipped, so it cannot raise or clear anything twice.
  void restore_last_ts(const PatientId& patient, std::int64_t ts_ms);

  // Hands over (and forgets) the patients whose values changed since the last call.
  void collect_latest(std::vector<LatestSnapshot>& out);

  std::uint64_t redelivered_skipped() const { return redelivered_skipped_; }

  // Acknowledges the patient's active alert for ack.rule, if there is one.
  // An ack for a patient whose readings are held waits with them, in order.
  // Results are counted in ack_counts().
  void on_ack(const AckRequest& ack);
  // Acks handled so far, by AckResult.
  const std::array<std::uint64_t, 3>& ack_counts() const { return ack_counts_; }

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
  enum class ProfileStatus : std::uint8_t {
    none,     // never asked
    waiting,  // first request in flight; readings are held
    known,    // profile (or its absence, or "unavailable") known until profile_expires_ns
  };

  struct PatientState : SignalWatchNode {
    PatientId id;
    std::vector<ThresholdState> thresholds;  // parallel to rules_->thresholds
    LatestVitals latest;
    std::optional<int> news2_score;  // last computed
    Episode news2;
    Episode signal_lost;
    std::shared_ptr<const PatientProfile> profile;  // null: defaults
    ProfileStatus profile_status = ProfileStatus::none;
    bool profile_request_pending = false;
    std::int64_t profile_expires_ns = 0;
    std::int64_t held_since_ns = 0;
    std::vector<WorkItem> held;  // readings (and acks) waiting for the first profile answer
    std::optional<std::int64_t> restored_ts;
    bool dirty = false;  // latest changed since collect_latest()
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
  void evaluate(PatientState& p, const Reading& r);
  // False if the reading was held for the patient's first profile answer.
  bool profile_ready(PatientState& p, const Reading& r);
  void request_profile(PatientState& p);
  void release_held(PatientState& p);
  AckResult acknowledge(PatientState* p, const AckRequest& ack);
  void apply_profile(PatientState& p, std::shared_ptr<const PatientProfile> profile);
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
  ProfileRequester* const profiles_;
  const ProfilePolicy policy_;
  AlertIdGenerator ids_;
  // unordered_map never moves its elements, so the raw pointers below stay valid.
  std::unordered_map<std::string, PatientState, IdHash, std::equal_to<>> patients_;
  SignalWatch watch_;
  std::vector<PatientState*> holding_;  // patients with held readings
  std::vector<PatientState*> dirty_;    // patients whose latest changed
  ActiveAlertCounts active_ = {};
  std::uint64_t redelivered_skipped_ = 0;
  std::array<std::uint64_t, 3> ack_counts_ = {};
};

}  // namespace vitalsd
