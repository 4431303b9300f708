#include "analysis/analyzer.h"

#include <utility>

namespace vitalsd {
namespace {

constexpr std::string_view kNoMetric = "none";

std::size_t severity_index(Severity s) { return static_cast<std::size_t>(s) - 1; }

}  // namespace

Analyzer::Analyzer(const Clock& clock, AlertSink& sink, std::shared_ptr<const RuleSet> rules,
                   ProfileRequester* profiles, ProfilePolicy policy, AlertIdGenerator ids)
    : clock_(clock),
      sink_(sink),
      rules_(std::move(rules)),
      profiles_(profiles),
      policy_(policy),
      ids_(std::move(ids)) {}

Analyzer::PatientState& Analyzer::patient(const PatientId& id) {
  auto it = patients_.find(id.view());
  if (it == patients_.end()) {
    it = patients_.try_emplace(id.str()).first;
    it->second.id = id;
    it->second.thresholds.resize(rules_->thresholds.size());
  }
  return it->second;
}

Analyzer::PatientState* Analyzer::find(std::string_view id) {
  auto it = patients_.find(id);
  return it == patients_.end() ? nullptr : &it->second;
}

void Analyzer::on_reading(const Reading& r) {
  PatientState& p = patient(r.patient);
  if (r.redelivered && p.restored_ts && r.ts_ms <= *p.restored_ts) {
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
      p.profile_status = ProfileStatus::waiting;
      p.held_since_ns = clock_.mono_ns();
      holding_.push_back(&p);
      request_profile(p);
      [[fallthrough]];
    case ProfileStatus::waiting:
      if (p.held.size() < policy_.max_held_readings) {
        p.held.push_back(r);
        return false;
      }
      release_held(p);  // waited long enough in readings: go on with defaults
      return true;
  }
  return true;
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
      p->profile_expires_ns =
          now + std::chrono::duration_cast<std::chrono::nanoseconds>(policy_.ttl).count();
      break;
    case ProfileAnswer::Kind::unavailable:  // keep what we had (or defaults)
      p->profile_expires_ns =
          now + std::chrono::duration_cast<std::chrono::nanoseconds>(policy_.retry_after).count();
      break;
  }
  release_held(*p);
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

void Analyzer::invalidate_profile(std::string_view id) {
  PatientState* p = find(id);
  if (p == nullptr || profiles_ == nullptr) return;
  p->profile_expires_ns = clock_.mono_ns();
  request_profile(*p);
}

void Analyzer::invalidate_all_profiles() {
  const std::int64_t now = clock_.mono_ns();
  for (auto& [key, p] : patients_) {
    if (p.profile_status == ProfileStatus::known) p.profile_expires_ns = now;
  }
}

bool Analyzer::restore_alert(const PatientId& id, std::string_view rule, const Episode& episode) {
  PatientState& p = patient(id);
  Episode* ep = episode_of(p, rule);
  if (ep == nullptr) {
    // Active when vitalsd stopped, but its rule is gone: say it is over.
    const Episode gone{.active = false, .acknowledged = false, .severity = episode.severity,
                       .id = episode.id};
    emit(p, rule, kNoMetric, AlertState::cleared, gone, {.reason = ClearReason::rule_removed});
    return false;
  }
  const bool was_active = ep->active;
  const Severity was = ep->severity;
  *ep = episode;
  account(was_active, was, *ep);
  return true;
}

void Analyzer::restore_last_ts(const PatientId& id, std::int64_t ts_ms) {
  patient(id).restored_ts = ts_ms;
}

void Analyzer::collect_latest(std::vector<LatestSnapshot>& out) {
  for (PatientState* p : dirty_) {
    out.push_back(LatestSnapshot{p->id, p->latest, p->news2_score});
    p->dirty = false;
  }
  dirty_.clear();
}

void Analyzer::apply_profile(PatientState& p, std::shared_ptr<const PatientProfile> profile) {
  const bool was_paused = p.paused();
  p.profile = std::move(profile);
  if (p.paused() && !was_paused) clear_all(p, ClearReason::patient_paused);
}

void Analyzer::evaluate(PatientState& p, const Reading& r) {
  p.latest.update(r);
  if (!p.dirty) {
    p.dirty = true;
    dirty_.push_back(&p);
  }
  if (p.paused()) return;  // no alerts at all; nothing pending either (see clear_all)

  if (rules_->signal_lost.enabled) {
    watch_.touch(p, r.received_ms);
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
    const EffectiveLevels levels = effective_levels(rule, [&](Severity s) {
      return p.profile ? p.profile->override_for(rule.name, s) : std::nullopt;
    });
    const double value = r.vitals.get(rule.metric);
    if (auto t = step_threshold(rule, levels.view(), state, value, r.ts_ms, ids_)) {
      // A clear resets the state; the event needs the episode as it was.
      const Episode ep{.active = t->state != AlertState::cleared,
                       .acknowledged = false,
                       .severity = t->severity,
                       .id = t->id};
      account(was_active, was, ep);
      emit(p, rule.name, vital_name(rule.metric), t->state, ep,
           {.cause = &r, .value = value, .threshold = t->threshold});
    }
  }
}

void Analyzer::evaluate_news2(PatientState& p, const Reading& r) {
  const std::optional<News2Evaluation> eval =
      vitalsd::evaluate_news2(p.latest, p.profile.get(), rules_->news2.window);
  if (!eval) return;  // not every parameter is fresh: nothing changes
  p.news2_score = eval->score.total;
  const bool was_active = p.news2.active;
  const Severity was = p.news2.severity;
  if (auto state = step_news2(p.news2, eval->score.risk, ids_)) {
    account(was_active, was, p.news2);
    emit(p, kNews2RuleName, kNews2RuleName, *state, p.news2,
         {.cause = &r,
          .value = static_cast<double>(eval->score.total),
          .threshold = news2_threshold(eval->score.risk),
          .news2 = &*eval});
  }
}

void Analyzer::on_ack(const AckRequest& ack) {
  PatientState* p = find(ack.patient.view());
  if (p != nullptr && p->profile_status == ProfileStatus::waiting) {
    p->held.push_back(ack);  // after the readings it acknowledges
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
  if (ack.rule.view() == kNews2RuleName) {
    metric = kNews2RuleName;
  } else if (const ThresholdRule* rule = rules_->find(ack.rule.view())) {
    metric = vital_name(rule->metric);
  }
  emit(*p, ack.rule.view(), metric, AlertState::acknowledged, *ep, {.by = &ack.by});
  return AckResult::acknowledged;
}

Episode* Analyzer::episode_of(PatientState& p, std::string_view rule) {
  if (rule == kNews2RuleName) return &p.news2;
  if (rule == kSignalLostRuleName) return &p.signal_lost;
  const auto& rules = rules_->thresholds;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].name == rule) return &p.thresholds[i].episode;
  }
  return nullptr;
}

void Analyzer::on_tick() {
  // Safety net: the store answers within its timeout, but never hold a
  // patient's readings longer than max_hold whatever happens to the answer.
  const std::int64_t give_up_before =
      clock_.mono_ns() -
      std::chrono::duration_cast<std::chrono::nanoseconds>(policy_.max_hold).count();
  std::erase_if(holding_, [&](PatientState* p) {
    if (p->profile_status != ProfileStatus::waiting) return true;
    if (p->held_since_ns > give_up_before) return false;
    release_held(*p);
    return true;
  });

  const SignalLostSettings& s = rules_->signal_lost;
  if (!s.enabled) return;
  watch_.sweep(clock_.wall_ms(), s.after.count(), [&](SignalWatchNode& node) {
    auto& p = static_cast<PatientState&>(node);
    if (p.signal_lost.active || p.paused()) return;
    p.signal_lost =
        Episode{.active = true, .acknowledged = false, .severity = s.severity, .id = ids_.next()};
    account(false, s.severity, p.signal_lost);
    emit(p, kSignalLostRuleName, kNoMetric, AlertState::raised, p.signal_lost, {});
  });
}

void Analyzer::set_profile(const PatientId& id, std::shared_ptr<const PatientProfile> profile) {
  PatientState& p = patient(id);
  apply_profile(p, std::move(profile));
  p.profile_status = ProfileStatus::known;
  p.profile_expires_ns =
      clock_.mono_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(policy_.ttl).count();
  release_held(p);
}

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
  account(true, ep.severity, ep);
  emit(p, rule, metric, AlertState::cleared, ep, detail);
}

void Analyzer::set_rules(std::shared_ptr<const RuleSet> rules) {
  const std::shared_ptr<const RuleSet> old = std::exchange(rules_, std::move(rules));
  for (auto& [key, p] : patients_) {
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
  }
}

void Analyzer::account(bool was_active, Severity was, const Episode& now) {
  if (was_active) --active_[severity_index(was)];
  if (now.active) ++active_[severity_index(now.severity)];
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
