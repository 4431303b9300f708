#include "dispatch/worker_pool.h"

#include <pthread.h>

#include <string>

#include "analysis/analyzer.h"
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

struct WorkerPool::Worker {
  Worker(std::size_t capacity, const Clock& clock, AlertSink& alerts,
         std::shared_ptr<const RuleSet> rules, std::uint64_t generation, WorkerStats& stats)
      : queue(capacity),
        analyzer(clock, alerts, std::move(rules)),
        rules_generation(generation),
        stats(stats) {}

  BatchQueue<WorkItem> queue;
  Analyzer analyzer;  // touched only by `thread`
  std::uint64_t rules_generation;
  WorkerStats& stats;
  std::thread thread;
};

WorkerPool::WorkerPool(Options options, const Clock& clock, AlertSink& alerts,
                       RulesBroadcast& rules, Metrics& metrics)
    : options_(options), clock_(clock), rules_(rules), metrics_(metrics) {
  std::uint64_t generation = 0;
  std::shared_ptr<const RuleSet> current = rules.current(&generation);
  for (unsigned i = 0; i < options_.workers; ++i) {
    workers_.push_back(std::make_unique<Worker>(options_.queue_capacity, clock, alerts, current,
                                                generation, metrics.worker(i)));
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

void WorkerPool::wake_all() {
  for (auto& w : workers_) w->queue.wake();
}

void WorkerPool::stop() {
  for (auto& w : workers_) w->queue.close();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

std::size_t WorkerPool::depth(unsigned worker) const {
  return worker < workers_.size() ? workers_[worker]->queue.depth() : 0;
}

void WorkerPool::run(Worker& w) {
  std::vector<WorkItem> batch;
  auto pick_up_new_rules = [&] {
    if (rules_.generation() == w.rules_generation) return;
    w.analyzer.set_rules(rules_.current(&w.rules_generation));
  };
  auto publish_gauges = [&] {
    w.stats.patients.set(static_cast<std::int64_t>(w.analyzer.patient_count()));
    for (std::size_t s = 0; s < 3; ++s) w.stats.active_alerts[s].set(w.analyzer.active_alerts()[s]);
  };
  auto next_tick = std::chrono::steady_clock::now();
  for (;;) {
    const bool open = w.queue.pop_all(batch, next_tick);
    for (const WorkItem& item : batch) {
      pick_up_new_rules();
      if (const Reading* r = std::get_if<Reading>(&item)) {
        w.analyzer.on_reading(*r);
        w.stats.processed.inc();
        w.stats.processing_seconds.observe(
            static_cast<double>(clock_.mono_ns() - r->received_mono_ns) * 1e-9);
      } else {
        const AckResult result = w.analyzer.on_ack(std::get<AckRequest>(item));
        w.stats.acks[static_cast<std::size_t>(result)].inc();
      }
    }
    pick_up_new_rules();
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_tick) {
      w.analyzer.on_tick();
      next_tick = now + options_.tick;
    }
    publish_gauges();
    if (!open) break;
  }
}

}  // namespace vitalsd
