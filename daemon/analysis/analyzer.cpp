#include "analysis/analyzer.h"

#include <algorithm>
#include <utility>

namespace vitalsd {
namespace {

constexpr std::string_view kNoMetric = "none";
// How often idle patients are looked for (a full pass over the shard).
constexpr std::int64_t kForgetEveryNs = 60'000'000'000;

std::size_t severity_index(Severity s) { return static_cast<std::size_t>(s) - 1; }
std::int64_t to_ns(std::chrono::milliseconds d) { return d.count() * 1'000'000; }
std::int64_t ms_of(std::int64_t ns) { return ns / 1'000'000; }

// The static name for a metric read back from Redis (AlertEvent::metric must
// outlive the event).
std::string_view static_metric(std::string_view metric) {
  if (auto v = parse_vital(metric)) return vital_name(*v);
  if (metric == kNews2RuleName) return kNews2RuleName;
  return kNoMetric;
}

}  // namespace

bool Analyzer::PatientState::any_active() const {
  if (news2.active || signal_lost.active) return true;
  return std::any_of(thresholds.begin(), thresholds.end(),
                     [](const ThresholdState& t) { return t.episode.active; });
}

Analyzer::Analyzer(const Clock& clock, AlertSink& sink, std::shared_ptr<const RuleSet> rules,
                   ProfileRequester* profiles, AnalyzerOptions options, AlertIdGenerator ids)
    : clock_(clock),
      sink_(sink),
      rules_(std::move(rules)),
      profiles_(profiles),
      options_(options),
      ids_(std::move(ids)),
      next_forget_ns_(clock.mono_ns() + kForgetEveryNs) {}

Analyzer::PatientState& Analyzer::patient(const PatientId& id) {
  auto [p, created] = patients_.find_or_create(id.view());
  if (created) {
    p->id = id;
    p->thresholds.resize(rules_->thresholds.size());
    p->last_heard_ns = clock_.mono_ns();
  }
  return *p;
}

Analyzer::PatientState* Analyzer::find(std::string_view id) { return patients_.find(id); }

// ---- Readings and profiles -------------------------------------------------

void Analyzer::on_reading(const Reading& r) {
  PatientState& p = patient(r.patient);
  p.last_heard_ns = clock_.mono_ns();
  if (r.redelivered && p.restored_ts && LatestVitals::time_of(r) <= *p.restored_ts) {
    ++redelivered_skipped_;
    return;
  }
  if (profiles_ != nullptr && !profile_ready(p, r)) return;
  evaluate(p, r);
}

bool Analyzer::profile_ready(PatientState& p, const Reading& r) {
  switch (p.profile_status) {
    case ProfileStatus::known:
      if (clock_.mono_ns() >= p.profile_expires_ns) request_profile(p);  // stale-while-revalidate
      return true;
    case ProfileStatus::none:
    case ProfileStatus::waiting:
      hold(p, r);
      return false;
  }
  return true;
}

void Analyzer::hold(PatientState& p, const WorkItem& item) {
  if (p.profile_status == ProfileStatus::none) {
    p.profile_status = ProfileStatus::waiting;
    p.held_since_ns = clock_.mono_ns();
    holding_.push_back(&p);
    request_profile(p);
  }
  p.held.push_back(item);
  // Waited long enough in readings: go on with what is known (or defaults).
  if (p.held.size() > policy_.max_held_readings) release_held(p);
}

void Analyzer::request_profile(PatientState& p) {
  if (p.profile_request_pending) return;  // at most one read in flight per patient
  p.profile_request_pending = true;
  profiles_->request_profile(p.id);
}

void Analyzer::on_profile(const PatientId& id, const ProfileAnswer& answer) {
  PatientState* p = find(id.view());
  if (p == nullptr) return;
  p->profile_request_pending = false;
  const std::int64_t now = clock_.mono_ns();
  switch (answer.kind) {
    case ProfileAnswer::Kind::found:
    case ProfileAnswer::Kind::absent:
      apply_profile(*p, answer.profile);
      p->profile_expires_ns = now + to_ns(policy_.ttl);
      break;
    case ProfileAnswer::Kind::unavailable:  // keep what we had (or defaults)
      p->profile_expires_ns = now + to_ns(policy_.retry_after);
      break;
  }
  release_held(*p);
  if (std::exchange(p->refetch_after_answer, false)) {
    // This answer may predate the change we were told about: ask again.
    p->profile_expires_ns = now;
    request_profile(*p);
  }
}

void Analyzer::release_held(PatientState& p) {
  if (p.profile_status == ProfileStatus::waiting) p.profile_status = ProfileStatus::known;
  if (p.held.empty()) return;
  std::vector<WorkItem> held;
  held.swap(p.held);  // frees the patient's buffer: holding is rare
  for (const WorkItem& item : held) {
    if (const Reading* r = std::get_if<Reading>(&item)) {
      evaluate(p, *r);
    } else {
      ++ack_counts_[static_cast<std::size_t>(acknowledge(&p, std::get<AckRequest>(item)))];
    }
  }
}

std::size_t Analyzer::release_all_held() {
  std::size_t released = 0;
  for (PatientState* p : std::exchange(holding_, {})) {
    released += p->held.size();
    release_held(*p);
  }
  return released;
}

void Analyzer::invalidate_profile(std::string_view id) {
  PatientState* p = find(id);
  if (p == nullptr || profiles_ == nullptr) return;
  p->profile_expires_ns = clock_.mono_ns();
  if (p->profile_request_pending) {
    p->refetch_after_answer = true;
  } else {
    request_profile(*p);
  }
}

void Analyzer::invalidate_all_profiles() {
  const std::int64_t now = clock_.mono_ns();
  patients_.for_each([now](PatientState& p) {
    if (p.profile_status != ProfileStatus::known) return;
    p.profile_expires_ns = now;
    if (p.profile_request_pending) p.refetch_after_answer = true;
  });
}

void Analyzer::apply_profile(PatientState& p, std::shared_ptr<const PatientProfile> profile) {
  const bool was_paused = p.paused();
  p.profile = std::move(profile);
  if (p.paused() && !was_paused) clear_all(p, ClearReason::patient_paused);
}

void Analyzer::set_profile(const PatientId& id, std::shared_ptr<const PatientProfile> profile) {
  PatientState& p = patient(id);
  apply_profile(p, std::move(profile));
  p.profile_status = ProfileStatus::known;
  p.profile_expires_ns = clock_.mono_ns() + to_ns(policy_.ttl);
  release_held(p);
}

// ---- Evaluation -------------------------------------------------------------

void Analyzer::evaluate(PatientState& p, const Reading& r) {
  p.latest.update(r);
  if (options_.export_latest && !p.dirty) {
    p.dirty = true;
    dirty_.push_back(&p);
  }
  if (p.paused()) return;  // no alerts at all; nothing pending either (see clear_all)

  if (rules_->signal_lost.enabled) {
    watch_.touch(p, ms_of(r.received_mono_ns));
    clear(p, p.signal_lost, kSignalLostRuleName, kNoMetric, {.cause = &r});
  }
  evaluate_thresholds(p, r);
  if (rules_->news2.enabled) evaluate_news2(p, r);
}

void Analyzer::evaluate_thresholds(PatientState& p, const Reading& r) {
  const auto& rules = rules_->thresholds;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const ThresholdRule& rule = rules[i];
    if (!r.vitals.has(rule.metric)) continue;
    ThresholdState& state = p.thresholds[i];
    const bool was_active = state.episode.active;
    const Severity was = state.episode.severity;
    // Most patients have no profile: judge against the rule's own levels
    // without building a per-reading copy of them.
    EffectiveLevels overridden;
    std::span<const ThresholdLevel> levels = rule.levels;
    if (p.profile) {
      overridden = effective_levels(
          rule, [&](Severity s) { return p.profile->override_for(rule.name, s); });
      levels = overridden.view();
    }
    const double value = r.vitals.get(rule.metric);
    if (auto t = step_threshold(rule, levels, state, value, r.ts_ms, ids_)) {
      // A clear resets the state; the event needs the episode as it was.
      const Episode ep{.active = t->state != AlertState::cleared,
                       .acknowledged = false,
                       .severity = t->severity,
                       .id = t->id};
      transition(p, rule.name, vital_name(rule.metric), t->state, was_active, was, ep,
                 {.cause = &r, .value = value, .threshold = t->threshold});
    }
  }
}

void Analyzer::evaluate_news2(PatientState& p, const Reading& r) {
  const std::optional<News2Evaluation> eval =
      vitalsd::evaluate_news2(p.latest, p.profile.get(), rules_->news2.window);
  if (!eval) return;  // not every parameter is fresh: nothing changes
  p.last_news2 = eval;
  const bool was_active = p.news2.active;
  const Severity was = p.news2.severity;
  if (auto state = step_news2(p.news2, eval->score.risk, ids_)) {
    transition(p, kNews2RuleName, kNews2RuleName, *state, was_active, was, p.news2,
               {.cause = &r,
                .value = static_cast<double>(eval->score.total),
                .threshold = news2_threshold(eval->score.risk),
                .news2 = &*eval});
  }
}

// ---- Acknowledgements ---------------------------------------------------------

void Analyzer::on_ack(const AckRequest& ack) {
  PatientState* p = find(ack.patient.view());
  if (p != nullptr) p->last_heard_ns = clock_.mono_ns();
  if (p != nullptr && p->profile_status == ProfileStatus::waiting) {
    hold(*p, ack);  // after the readings it acknowledges
    return;
  }
  ++ack_counts_[static_cast<std::size_t>(acknowledge(p, ack))];
}

AckResult Analyzer::acknowledge(PatientState* p, const AckRequest& ack) {
  if (p == nullptr) return AckResult::inactive;
  Episode* ep = episode_of(*p, ack.rule.view());
  if (ep == nullptr || !ep->active) return AckResult::inactive;
  if (ep->acknowledged) return AckResult::duplicate;
  ep->acknowledged = true;
  std::string_view metric = kNoMetric;
  std::optional<News2Evaluation> news2;
  if (ack.rule.view() == kNews2RuleName) {
    metric = kNews2RuleName;
    news2 = news2_detail(*p, AlertState::acknowledged);
  } else if (const ThresholdRule* rule = rules_->find(ack.rule.view())) {
    metric = vital_name(rule->metric);
  }
  emit(*p, ack.rule.view(), metric, AlertState::acknowledged, *ep,
       {.news2 = news2 ? &*news2 : nullptr, .by = &ack.by});
  return AckResult::acknowledged;
}

Episode* Analyzer::episode_of(PatientState& p, std::string_view rule) {
  if (rule == kNews2RuleName) return rules_->news2.enabled ? &p.news2 : nullptr;
  if (rule == kSignalLostRuleName) return rules_->signal_lost.enabled ? &p.signal_lost : nullptr;
  const auto& rules = rules_->thresholds;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].name == rule) return &p.thresholds[i].episode;
  }
  return nullptr;
}

// ---- Time -------------------------------------------------------------------

void Analyzer::on_tick() {
  // Safety net: the store answers within its timeout, but never hold a
  // patient's readings longer than max_hold whatever happens to the answer.
  const std::int64_t give_up_before = clock_.mono_ns() - to_ns(policy_.max_hold);
  std::erase_if(holding_, [&](PatientState* p) {
    if (p->profile_status != ProfileStatus::waiting) return true;
    if (p->held_since_ns > give_up_before) return false;
    release_held(*p);
    return true;
  });
  sweep_signal_lost();
  if (clock_.mono_ns() >= next_forget_ns_) {
    forget_idle_patients();
    next_forget_ns_ = clock_.mono_ns() + kForgetEveryNs;
  }
}

void Analyzer::sweep_signal_lost() {
  const SignalLostSettings& s = rules_->signal_lost;
  if (!s.enabled) return;
  const std::int64_t now_ms = ms_of(clock_.mono_ns());
  std::vector<PatientState*> ask_first;
  watch_.sweep(now_ms, s.after.count(), [&](SignalWatchNode& node) {
    auto& p = static_cast<PatientState&>(node);
    if (p.signal_lost.active || p.paused()) return;
    if (profiles_ != nullptr && p.profile_status == ProfileStatus::none) {
      // Known only from the restored state: learn whether it is paused (e.g.
      // discharged) before alarming.
      ask_first.push_back(&p);
      return;
    }
    const Episode lost = Episode::open(s.severity, ids_);
    p.signal_lost = lost;
    transition(p, kSignalLostRuleName, kNoMetric, AlertState::raised, false, s.severity, lost, {});
  });
  constexpr std::int64_t kLookAgainMs = 2000;  // the store answers within its timeout
  for (PatientState* p : ask_first) {
    p->profile_status = ProfileStatus::known;  // readings meanwhile are not held for it
    p->profile_expires_ns = clock_.mono_ns();
    request_profile(*p);
    watch_.touch(*p, now_ms - s.after.count() + kLookAgainMs);
  }
}

void Analyzer::forget_idle_patients() {
  const std::int64_t before = clock_.mono_ns() - to_ns(options_.forget_idle_after);
  std::vector<PatientState*> idle;
  patients_.for_each([&](PatientState& p) {
    if (p.last_heard_ns <= before && !p.any_active() && p.held.empty() &&
        p.profile_status != ProfileStatus::waiting && !p.profile_request_pending) {
      idle.push_back(&p);
    }
  });
  for (PatientState* p : idle) {
    watch_.unlink(*p);
    if (p->dirty) std::erase(dirty_, p);
    patients_.erase(p->id.view());
  }
}

void Analyzer::collect_latest(std::vector<LatestSnapshot>& out) {
  for (PatientState* p : dirty_) {
    out.push_back(LatestSnapshot{p->id, p->latest,
                                 p->last_news2 ? std::optional<int>(p->last_news2->score.total)
                                               : std::nullopt});
    p->dirty = false;
  }
  dirty_.clear();
}

// ---- Restart recovery -------------------------------------------------------

bool Analyzer::restore_alert(const PatientId& id, std::string_view rule, std::string_view metric,
                             const Episode& episode) {
  PatientState& p = patient(id);
  Episode* ep = episode_of(p, rule);
  if (ep == nullptr) {
    // Active when vitalsd stopped, but its rule is gone (or switched off): say it is over.
    const Episode gone{
        .active = false, .acknowledged = false, .severity = episode.severity, .id = episode.id};
    emit(p, rule, static_metric(metric), AlertState::cleared, gone,
         {.reason = ClearReason::rule_removed});
    return false;
  }
  const bool was_active = ep->active;
  const Severity was = ep->severity;
  *ep = episode;
  if (was_active) --active_[severity_index(was)];
  if (ep->active) ++active_[severity_index(ep->severity)];
  return true;
}

void Analyzer::restore_last_ts(const PatientId& id, std::int64_t ts_ms) {
  PatientState& p = patient(id);
  p.restored_ts = ts_ms;
  const SignalLostSettings& s = rules_->signal_lost;
  if (!s.enabled) return;
  // Heard from within the horizon: watch it, as silent since its last reading.
  // Older entries (latest:* keys never expire) are patients long gone.
  const std::int64_t age_ms = std::max<std::int64_t>(0, clock_.wall_ms() - ts_ms);
  constexpr std::int64_t kMinHorizonMs = 15 * 60 * 1000;
  const std::int64_t horizon_ms = std::max<std::int64_t>(10 * s.after.count(), kMinHorizonMs);
  if (age_ms <= horizon_ms) watch_.touch(p, ms_of(clock_.mono_ns()) - age_ms);
}

// ---- Rules ------------------------------------------------------------------

void Analyzer::set_rules(std::shared_ptr<const RuleSet> rules) {
  const std::shared_ptr<const RuleSet> old = std::exchange(rules_, std::move(rules));
  patients_.for_each([&](PatientState& p) {
    std::vector<ThresholdState> remapped(rules_->thresholds.size());
    for (std::size_t i = 0; i < old->thresholds.size(); ++i) {
      const ThresholdRule& old_rule = old->thresholds[i];
      const ThresholdRule* kept = nullptr;
      std::size_t j = 0;
      for (; j < rules_->thresholds.size(); ++j) {
        if (rules_->thresholds[j].name == old_rule.name) {
          kept = &rules_->thresholds[j];
          break;
        }
      }
      if (kept == nullptr) {
        clear(p, p.thresholds[i].episode, old_rule.name, vital_name(old_rule.metric),
              {.reason = ClearReason::rule_removed});
      } else if (kept->metric != old_rule.metric || kept->direction != old_rule.direction) {
        // Same name, different condition: this episode's premise is gone, and
        // a reading of the new metric must not be what clears it.
        clear(p, p.thresholds[i].episode, old_rule.name, vital_name(old_rule.metric),
              {.reason = ClearReason::rule_changed});
      } else {
        remapped[j] = p.thresholds[i];  // state and `for` timer carry over
      }
    }
    p.thresholds = std::move(remapped);
    if (!rules_->news2.enabled) {
      clear(p, p.news2, kNews2RuleName, kNews2RuleName, {.reason = ClearReason::rule_removed});
    }
    if (!rules_->signal_lost.enabled) {
      clear(p, p.signal_lost, kSignalLostRuleName, kNoMetric,
            {.reason = ClearReason::rule_removed});
      watch_.unlink(p);
    }
  });
}

// ---- Transitions --------------------------------------------------------------

void Analyzer::clear_all(PatientState& p, ClearReason reason) {
  for (std::size_t i = 0; i < rules_->thresholds.size(); ++i) {
    const ThresholdRule& rule = rules_->thresholds[i];
    clear(p, p.thresholds[i].episode, rule.name, vital_name(rule.metric), {.reason = reason});
    p.thresholds[i].breach_start_ts.reset();  // a breach resumes only with new readings
  }
  clear(p, p.news2, kNews2RuleName, kNews2RuleName, {.reason = reason});
  clear(p, p.signal_lost, kSignalLostRuleName, kNoMetric, {.reason = reason});
  watch_.unlink(p);
}

void Analyzer::clear(PatientState& p, Episode& ep, std::string_view rule, std::string_view metric,
                     const Detail& detail) {
  if (!ep.active) return;
  ep.active = false;
  Detail d = detail;
  std::optional<News2Evaluation> news2;
  if (&ep == &p.news2 && d.news2 == nullptr) {
    news2 = news2_detail(p, AlertState::cleared);
    if (news2) d.news2 = &*news2;
  }
  transition(p, rule, metric, AlertState::cleared, true, ep.severity, ep, d);
}

std::optional<News2Evaluation> Analyzer::news2_detail(const PatientState& p,
                                                      AlertState state) const {
  if (!p.last_news2) return std::nullopt;
  News2Evaluation out = *p.last_news2;
  if (state == AlertState::cleared) out.score.risk = News2Risk::low;  // SPEC §5: "low" on a clear
  return out;
}

void Analyzer::transition(PatientState& p, std::string_view rule, std::string_view metric,
                          AlertState state, bool was_active, Severity was, const Episode& now,
                          const Detail& detail) {
  if (was_active) --active_[severity_index(was)];
  if (now.active) ++active_[severity_index(now.severity)];
  emit(p, rule, metric, state, now, detail);
}

void Analyzer::emit(const PatientState& p, std::string_view rule, std::string_view metric,
                    AlertState state, const Episode& ep, const Detail& d) {
  AlertEvent e;
  e.id = ep.id;
  e.patient = p.id;
  e.rule = RuleName(rule);
  e.metric = metric;
  e.state = state;
  e.severity = ep.severity;
  e.emitted_ms = clock_.wall_ms();
  e.value = d.value;
  e.threshold = d.threshold;
  if (d.cause != nullptr) {
    e.reading_ts_ms = d.cause->ts_ms;
    e.device = d.cause->device;
    e.received_mono_ns = d.cause->received_mono_ns;
  }
  if (d.news2 != nullptr) {
    News2Detail n;
    n.score = d.news2->score.total;
    n.subscores = d.news2->score.subscores;
    n.risk = d.news2->score.risk;
    n.assumed_o2 = d.news2->assumed_o2;
    n.assumed_acvpu = d.news2->assumed_acvpu;
    e.news2 = n;
  }
  e.reason = d.reason;
  if (d.by != nullptr) e.acked_by = *d.by;
  sink_.emit(e);
}

}  // namespace vitalsd
