// WorkerPool: the analysis workers and the sharding that feeds them.
//
// Readings are sharded by patient id, so each patient's state is owned by one
// worker thread and its readings are evaluated in arrival order. Each worker
// has a bounded BatchQueue; accept() blocks while the target queue is full
// (back-pressure to the broker), never dropping a reading.
//
// Threads: accept() from the ingest thread; stop() from the thread that
// orchestrates shutdown; depth() from anywhere.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "analysis/alert_event.h"
#include "common/clock.h"
#include "dispatch/batch_queue.h"
#include "dispatch/rules_broadcast.h"
#include "ingest/ingestor.h"
#include "ingest/reading.h"

namespace vitalsd {

class Metrics;
class Analyzer;

// Stable across runs and platforms (FNV-1a), so a patient always lands on the same worker.
std::uint32_t shard_of(std::string_view patient_id, unsigned workers);

class WorkerPool final : public ReadingSink {
 public:
  WorkerPool(unsigned workers, std::size_t queue_capacity, const Clock& clock, AlertSink& alerts,
             RulesBroadcast& rules, Metrics& metrics);
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void start();

  // Queues the reading for its patient's worker, waiting while that queue is
  // full. Returns false only after stop() (the reading was not queued).
  bool accept(const Reading& reading) override;

  // Nudges idle workers to pick up a new rule set now rather than at their next reading.
  void wake_all();

  // Closes the queues, lets every worker finish what is queued, and joins them.
  void stop();

  unsigned size() const { return static_cast<unsigned>(workers_.size()); }
  std::size_t depth(unsigned worker) const;

 private:
  struct Worker;
  void run(Worker& w);

  const Clock& clock_;
  RulesBroadcast& rules_;
  Metrics& metrics_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace vitalsd
