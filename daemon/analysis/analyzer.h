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
#include <vector>

#include "analysis/alert_event.h"
#include "analysis/alert_id.h"
#include "analysis/episode.h"
#include "analysis/latest_vitals.h"
#include "analysis/news2_evaluator.h"
#include "analysis/patient_profile.h"
#include "analysis/patient_table.h"
#include "analysis/profile_requester.h"
#include "analysis/rule_set.h"
#include "analysis/signal_watch.h"
#include "analysis/threshold_evaluator.h"
#include "common/clock.h"
#include "ingest/ack.h"
#include "ingest/reading.h"
#include "ingest/work_item.h"

namespace vitalsd {

// Active alerts by severity (index 0 = low), for the active_alerts gauge.
using ActiveAlertCounts = std::array<std::int64_t, 3>;

enum class AckResult : std::uint8_t {
  acknowledged,  // an active alert, now acknowledged
  inactive,      // no such active alert (unknown patient or rule, or not active)
  duplicate,     // already acknowledged
};

struct AnalyzerOptions {
  ProfilePolicy profiles = {};
  // collect_latest() is called (Redis on): track which patients changed.
  bool export_latest = false;
  // A patient with no active alert and nothing heard for this long is
  // forgotten (memory stays bounded whatever ids arrive); if it comes back it
  // starts afresh, profile lookup included.
  std::chrono::milliseconds forget_idle_after{std::chrono::hours(1)};
};

class Analyzer {
 public:
  // `profiles` null: no profile source (Redis off); every patient has defaults
  // unless set_profile() says otherwise.
  Analyzer(const Clock& clock, AlertSink& sink, std::shared_ptr<const RuleSet> rules,
           ProfileRequester* profiles = nullptr, AnalyzerOptions options = {},
           AlertIdGenerator ids = AlertIdGenerator());

  // Evaluates the reading; or, for a patient whose profile has not arrived
  // yet, holds it (bounded, see ProfilePolicy) until it does; or skips it as
  // a redelivered duplicate (see restore_last_ts).
  void on_reading(const Reading& reading);

  // The store's answer to request_profile(). Releases the patient's held readings.
  void on_profile(const PatientId& patient, const ProfileAnswer& answer);

  // The patient's profile changed in Redis: fetch it again now (or, if a
  // fetch is in flight, again as soon as it answers: it may have read the old one).
  void invalidate_profile(std::string_view patient);
  // Every cached profile may be stale: each is fetched again at its patient's next reading.
  void invalidate_all_profiles();

  // Restart recovery, before any reading: an alert that was active when
  // vitalsd stopped. False (and a `cleared` with reason rule_removed) if the
  // rule no longer exists or, for news2 / signal_lost, is switched off.
  // `metric` is the alert's metric as it was published.
  bool restore_alert(const PatientId& patient, std::string_view rule, std::string_view metric,
                     const Episode& episode);
  // The newest reading time vitalsd had processed for the patient. A reading
  // the broker redelivers (DUP flag) that is not newer was evaluated before
  // the restart and is skipped, so it cannot raise or clear anything twice.
  // A patient heard from recently is watched for signal_lost at once, as if
  // its last reading had just been processed.
  void restore_last_ts(const PatientId& patient, std::int64_t ts_ms);

  // Shutdown: evaluates every held reading and ack now, with the profile
  // known so far (or defaults). Returns how many items were released so.
  std::size_t release_all_held();
  // True while some patient's first readings wait for its profile.
  bool holding() const { return !holding_.empty(); }

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
  // `after` ago (measured on the monotonic clock, so a wall-clock step cannot
  // raise it for a whole ward). Costs O(patients newly quiet); call it often.
  // Also releases holds past max_hold and, now and then, forgets idle patients.
  void on_tick();

  // Swaps in a new rule set. State carries over for rules that keep their
  // name (a changed threshold is judged from the next reading on); active
  // alerts of removed rules (and of news2 / signal_lost when switched off)
  // are cleared with reason rule_removed, and of rules whose metric or
  // direction changed with reason rule_changed.
  void set_rules(std::shared_ptr<const RuleSet> rules);

  // Installs the patient's profile as if the store had answered with it
  // (null: no profile). For callers without a store, e.g. tests.
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
    std::optional<News2Evaluation> last_news2;  // last computed
    Episode news2;
    Episode signal_lost;
    std::shared_ptr<const PatientProfile> profile;  // null: defaults
    ProfileStatus profile_status = ProfileStatus::none;
    bool profile_request_pending = false;
    bool refetch_after_answer = false;  // invalidated while a fetch was in flight
    std::int64_t profile_expires_ns = 0;
    std::int64_t held_since_ns = 0;
    std::vector<WorkItem> held;  // readings (and acks) waiting for the first profile answer
    std::optional<std::int64_t> restored_ts;
    std::int64_t last_heard_ns = 0;  // monotonic: last reading or ack
    bool dirty = false;              // latest changed since collect_latest()
    bool paused() const { return profile && profile->paused; }
    bool any_active() const;
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
  void hold(PatientState& p, const WorkItem& item);
  void request_profile(PatientState& p);
  void release_held(PatientState& p);
  AckResult acknowledge(PatientState* p, const AckRequest& ack);
  void apply_profile(PatientState& p, std::shared_ptr<const PatientProfile> profile);
  void evaluate_thresholds(PatientState& p, const Reading& r);
  void evaluate_news2(PatientState& p, const Reading& r);
  void sweep_signal_lost();
  void forget_idle_patients();
  void clear_all(PatientState& p, ClearReason reason);
  // Clears `ep` if active, emitting `cleared` with `detail`.
  void clear(PatientState& p, Episode& ep, std::string_view rule, std::string_view metric,
             const Detail& detail);
  Episode* episode_of(PatientState& p, std::string_view rule);
  // NEWS2 detail for a news2 transition no reading caused (ack, pause, removal).
  std::optional<News2Evaluation> news2_detail(const PatientState& p, AlertState state) const;

  // Records one episode change: keeps active_ in step and emits the transition.
  void transition(PatientState& p, std::string_view rule, std::string_view metric,
                  AlertState state, bool was_active, Severity was, const Episode& now,
                  const Detail& detail);
  void emit(const PatientState& p, std::string_view rule, std::string_view metric,
            AlertState state, const Episode& ep, const Detail& detail);

  const Clock& clock_;
  AlertSink& sink_;
  std::shared_ptr<const RuleSet> rules_;
  ProfileRequester* const profiles_;
  const AnalyzerOptions options_;
  const ProfilePolicy& policy_ = options_.profiles;
  AlertIdGenerator ids_;
  // States never move, so the raw pointers below stay valid.
  PatientTable<PatientState> patients_;
  SignalWatch watch_;
  std::vector<PatientState*> holding_;  // patients with held readings
  std::vector<PatientState*> dirty_;    // patients whose latest changed (export_latest only)
  std::int64_t next_forget_ns_ = 0;
  ActiveAlertCounts active_ = {};
  std::uint64_t redelivered_skipped_ = 0;
  std::array<std::uint64_t, 3> ack_counts_ = {};
};

}  // namespace vitalsd
