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
  Worker(unsigned index, std::size_t capacity, const Clock& clock, AlertSink& alerts,
         std::shared_ptr<const RuleSet> rules, std::uint64_t generation, WorkerStats& stats)
      : index(index),
        queue(capacity),
        analyzer(clock, alerts, std::move(rules)),
        rules_generation(generation),
        stats(stats) {}

  const unsigned index;
  BatchQueue<Reading> queue;
  Analyzer analyzer;  // touched only by `thread`
  std::uint64_t rules_generation;
  WorkerStats& stats;
  std::thread thread;
};

WorkerPool::WorkerPool(unsigned workers, std::size_t queue_capacity, const Clock& clock,
                       AlertSink& alerts, RulesBroadcast& rules, Metrics& metrics)
    : clock_(clock), rules_(rules), metrics_(metrics) {
  std::uint64_t generation = 0;
  std::shared_ptr<const RuleSet> current = rules.current(&generation);
  for (unsigned i = 0; i < workers; ++i) {
    workers_.push_back(std::make_unique<Worker>(i, queue_capacity, clock, alerts, current,
                                                generation, metrics.worker(i)));
  }
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::start() {
  for (auto& w : workers_) {
    w->thread = std::thread([this, &w = *w] { run(w); });
    // "worker-<i>" in top -H, gdb and /proc/<pid>/task/*/comm, matching the
    // index in vitalsd_queue_depth{worker} and in watchdog log lines.
    const std::string name = "worker-" + std::to_string(w->index);
    pthread_setname_np(w->thread.native_handle(), name.c_str());
  }
}

bool WorkerPool::accept(const Reading& reading) {
  Worker& w = *workers_[shard_of(reading.patient.view(), size())];
  switch (w.queue.push(reading)) {
    case BatchQueue<Reading>::PushResult::ok:
      return true;
    case BatchQueue<Reading>::PushResult::waited:
      metrics_.ingest().queue_full_waits.inc();
      return true;
    case BatchQueue<Reading>::PushResult::closed:
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
  std::vector<Reading> batch;
  auto pick_up_new_rules = [&] {
    if (rules_.generation() == w.rules_generation) return;
    w.analyzer.set_rules(rules_.current(&w.rules_generation));
  };
  auto publish_gauges = [&] {
    w.stats.patients.set(static_cast<std::int64_t>(w.analyzer.patient_count()));
    for (std::size_t s = 0; s < 3; ++s) w.stats.active_alerts[s].set(w.analyzer.active_alerts()[s]);
  };
  while (w.queue.pop_all(batch)) {
    for (const Reading& r : batch) {
      pick_up_new_rules();
      w.analyzer.on_reading(r);
      w.stats.processed.inc();
      w.stats.processing_seconds.observe(static_cast<double>(clock_.mono_ns() - r.received_mono_ns) *
                                         1e-9);
    }
    pick_up_new_rules();
    publish_gauges();
  }
  publish_gauges();
}

}  // namespace vitalsd
