#include "dispatch/worker_pool.h"

#include <mutex>
#include <pthread.h>

#include "analysis/analyzer.h"
#include "store/state_restorer.h"
#include "telemetry/metrics.h"

namespace vitalsd {

std::uint32_t shard_of(std::string_view patient_id, unsigned workers) {
  std::uint32_t h = 2166136261U;
  for (unsigned char c : patient_id) {
    h ^= c;
    h *= 16777619U;
  }
  return workers == 0 ? 0 : h % workers;
}

// Out-of-band messages for a worker: answers and invalidations from the
// event loop. They go through a small unbounded mailbox rather than the
// bounded reading queue, so the event loop never waits for a busy worker.
struct WorkerPool::Mail {
  enum class Kind : std::uint8_t { profile, invalidate, invalidate_all };
  Kind kind;
  PatientId patient;
  ProfileAnswer answer;
};

// The Analyzer's way to ask for a profile: through the shared service, with
// the answer routed back to this worker's mailbox.
class WorkerPool::Requester final : public ProfileRequester {
 public:
  Requester(WorkerPool& pool, ProfileService& service) : pool_(pool), service_(service) {}
  void request_profile(const PatientId& patient) override {
    service_.fetch(patient, [pool = &pool_, patient](ProfileAnswer answer) {
      pool->deliver_profile(patient, std::move(answer));
    });
  }

 private:
  WorkerPool& pool_;
  ProfileService& service_;
};

// How long a worker that is busy with a stream of readings may let new ones
// wait before it looks again (BatchQueue's coalesced wake-ups): at most this
// much added latency, in exchange for one wake-up per window instead of one
// per reading.
constexpr std::chrono::microseconds kWakeCoalescing{500};

struct WorkerPool::Worker {
  Worker(std::size_t capacity, const Clock& clock, AlertSink& alerts,
         std::shared_ptr<const RuleSet> rules, std::uint64_t generation, WorkerStats& stats,
         std::unique_ptr<Requester> requester, const AnalyzerOptions& options)
      : queue(capacity, kWakeCoalescing),
        requester(std::move(requester)),
        analyzer(clock, alerts, std::move(rules), this->requester.get(), options),
        rules_generation(generation),
        stats(stats) {}

  BatchQueue<WorkItem> queue;
  std::unique_ptr<Requester> requester;
  Analyzer analyzer;  // touched only by `thread` (and by restore() before it starts)
  std::uint64_t rules_generation;
  WorkerStats& stats;
  std::thread thread;

  std::mutex mail_mutex;  // guards mail
  std::vector<Mail> mail;
  std::atomic<bool> has_mail{false};
};

WorkerPool::WorkerPool(Options options, const Clock& clock, AlertSink& alerts,
                       RulesBroadcast& rules, Metrics& metrics, ProfileService* profiles,
                       LatestSink* latest)
    : options_(options),
      clock_(clock),
      rules_(rules),
      metrics_(metrics),
      profiles_(profiles),
      latest_(latest) {
  std::uint64_t generation = 0;
  std::shared_ptr<const RuleSet> current = rules.current(&generation);
  for (unsigned i = 0; i < options_.workers; ++i) {
    auto requester = profiles_ ? std::make_unique<Requester>(*this, *profiles_) : nullptr;
    workers_.push_back(std::make_unique<Worker>(options_.queue_capacity, clock, alerts, current,
                                                generation, metrics.worker(i),
                                                std::move(requester),
                                                AnalyzerOptions{.profiles = options_.profiles,
                                                                .export_latest = latest_ != nullptr}));
  }
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::start() {
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    Worker& w = *workers_[i];
    w.thread = std::thread([this, &w] { run(w); });
    // "worker-<i>" in top -H, gdb and /proc/<pid>/task/*/comm, matching the
    // index in vitalsd_queue_depth{worker} and in watchdog log lines.
    const std::string name = "worker-" + std::to_string(i);
    pthread_setname_np(w.thread.native_handle(), name.c_str());
  }
}

bool WorkerPool::accept(const Reading& reading) { return enqueue(reading); }
bool WorkerPool::accept(const AckRequest& ack) { return enqueue(ack); }

bool WorkerPool::enqueue(const WorkItem& item) {
  Worker& w = *workers_[shard_of(patient_of(item), size())];
  switch (w.queue.push(item)) {
    case BatchQueue<WorkItem>::PushResult::ok:
      return true;
    case BatchQueue<WorkItem>::PushResult::waited:
      metrics_.ingest().queue_full_waits.inc();
      return true;
    case BatchQueue<WorkItem>::PushResult::closed:
      return false;
  }
  return false;
}

void WorkerPool::post(unsigned worker, Mail mail) {
  Worker& w = *workers_[worker];
  {
    std::lock_guard lock(w.mail_mutex);
    w.mail.push_back(std::move(mail));
    w.has_mail.store(true, std::memory_order_release);
  }
  w.queue.wake();
}

void WorkerPool::deliver_profile(const PatientId& patient, ProfileAnswer answer) {
  post(shard_of(patient.view(), size()), Mail{Mail::Kind::profile, patient, std::move(answer)});
}

void WorkerPool::invalidate_profile(std::string_view patient) {
  if (!is_valid_patient_id(patient)) return;
  post(shard_of(patient, size()), Mail{Mail::Kind::invalidate, PatientId(patient), {}});
}

void WorkerPool::invalidate_all_profiles() {
  for (unsigned i = 0; i < size(); ++i) post(i, Mail{Mail::Kind::invalidate_all, {}, {}});
}

std::size_t WorkerPool::restore(const RestoredState& state) {
  std::size_t restored = 0;
  for (const RestoredAlert& a : state.alerts) {
    Worker& w = *workers_[shard_of(a.patient.view(), size())];
    if (w.analyzer.restore_alert(a.patient, a.rule, a.metric, a.episode)) ++restored;
  }
  for (const auto& [patient, ts] : state.last_ts) {
    workers_[shard_of(patient.view(), size())]->analyzer.restore_last_ts(patient, ts);
  }
  return restored;
}

void WorkerPool::wake_all() {
  for (auto& w : workers_) w->queue.wake();
}

void WorkerPool::stop() {
  const StopReport report = stop(std::chrono::steady_clock::time_point::max());
  (void)report;
}

WorkerPool::StopReport WorkerPool::stop(std::chrono::steady_clock::time_point deadline) {
  {
    std::lock_guard lock(stop_mutex_);
    stop_deadline_ = deadline;
  }
  for (auto& w : workers_) w->queue.close();
  StopReport report;
  std::size_t running = 0;
  for (auto& w : workers_) running += w->thread.joinable() ? 1 : 0;
  {
    std::unique_lock lock(stop_mutex_);
    const bool done = all_exited_.wait_until(lock, deadline, [&] { return exited_ >= running; });
    if (!done) {
      report.finished = false;
      for (unsigned i = 0; i < size(); ++i) report.left_queued += depth(i);
      return report;  // leave the threads: joining a wedged worker would hang
    }
  }
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  report.held_released = held_released_.load();
  return report;
}

std::size_t WorkerPool::depth(unsigned worker) const {
  return worker < workers_.size() ? workers_[worker]->queue.depth() : 0;
}

void WorkerPool::read_mail(Worker& w) {
  if (!w.has_mail.load(std::memory_order_acquire)) return;
  std::vector<Mail> mail;
  {
    std::lock_guard lock(w.mail_mutex);
    mail.swap(w.mail);
    w.has_mail.store(false, std::memory_order_relaxed);
  }
  for (const Mail& m : mail) {
    switch (m.kind) {
      case Mail::Kind::profile:
        w.analyzer.on_profile(m.patient, m.answer);
        break;
      case Mail::Kind::invalidate:
        w.analyzer.invalidate_profile(m.patient.view());
        break;
      case Mail::Kind::invalidate_all:
        w.analyzer.invalidate_all_profiles();
        break;
    }
  }
}

void WorkerPool::run(Worker& w) {
  std::vector<WorkItem> batch;
  std::vector<LatestSnapshot> latest;
  auto pick_up_new_rules = [&] {
    if (rules_.generation() == w.rules_generation) return;
    w.analyzer.set_rules(rules_.current(&w.rules_generation));
  };
  auto publish_gauges = [&] {
    w.stats.patients.set(static_cast<std::int64_t>(w.analyzer.patient_count()));
    for (std::size_t s = 0; s < 3; ++s) w.stats.active_alerts[s].set(w.analyzer.active_alerts()[s]);
    w.stats.duplicates.set(static_cast<std::int64_t>(w.analyzer.redelivered_skipped()));
    for (std::size_t r = 0; r < 3; ++r) {
      w.stats.acks[r].set(static_cast<std::int64_t>(w.analyzer.ack_counts()[r]));
    }
  };
  // Latest values go to Redis once per tick per changed patient, however
  // many readings it sent meanwhile.
  auto export_latest = [&] {
    if (latest_ == nullptr) return;
    w.analyzer.collect_latest(latest);
    if (!latest.empty()) latest_->latest(std::exchange(latest, {}));
  };
  auto next_tick = std::chrono::steady_clock::now();
  for (;;) {
    const bool open = w.queue.pop_all(batch, next_tick);
    read_mail(w);
    for (const WorkItem& item : batch) {
      pick_up_new_rules();
      if (const Reading* r = std::get_if<Reading>(&item)) {
        w.analyzer.on_reading(*r);
        w.stats.processed.inc();
        w.stats.processing_seconds.observe(
            static_cast<double>(clock_.mono_ns() - r->received_mono_ns) * 1e-9);
      } else {
        w.analyzer.on_ack(std::get<AckRequest>(item));
      }
    }
    pick_up_new_rules();
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_tick) {
      w.analyzer.on_tick();
      export_latest();
      next_tick = now + options_.tick;
    }
    publish_gauges();
    if (!open) break;
  }
  // Patients whose first readings still wait for a profile answer: give the
  // answers (already on their way) a bounded moment, then evaluate with what
  // is known rather than drop the readings.
  std::chrono::steady_clock::time_point until;
  {
    std::lock_guard lock(stop_mutex_);
    until = std::min(stop_deadline_, std::chrono::steady_clock::now() + options_.profiles.max_hold);
  }
  for (read_mail(w); w.analyzer.holding() && std::chrono::steady_clock::now() < until;
       read_mail(w)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  held_released_ += w.analyzer.release_all_held();
  publish_gauges();
  export_latest();  // the last values, for the shutdown flush
  {
    std::lock_guard lock(stop_mutex_);
    ++exited_;
  }
  all_exited_.notify_all();
}

}  // namespace vitalsd
