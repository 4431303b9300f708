// WorkerPool: the analysis workers and the sharding that feeds them.
//
// Readings and acks are sharded by patient id, so each patient's state is
// owned by one worker thread and its items are handled in arrival order.
// Each worker has a bounded BatchQueue; accept() blocks while the target
// queue is full (back-pressure to the broker), never dropping an item.
// Workers also tick on their own (at least every `tick`), which is what runs
// the signal-lost sweep, so no timer thread or per-patient timer is needed.
//
// Threads: accept() from the ingest thread; stop() from the thread that
// orchestrates shutdown; depth() from anywhere.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstdint>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "analysis/alert_event.h"
#include "analysis/latest_vitals.h"
#include "analysis/profile_requester.h"
#include "common/clock.h"
#include "dispatch/batch_queue.h"
#include "dispatch/rules_broadcast.h"
#include "ingest/work_item.h"
#include "ingest/ingestor.h"

namespace vitalsd {

class Metrics;
class Analyzer;
struct RestoredState;

// Stable across runs and platforms (FNV-1a), so a patient always lands on the same worker.
std::uint32_t shard_of(std::string_view patient_id, unsigned workers);

class WorkerPool final : public WorkSink {
 public:
  struct Options {
    unsigned workers = 1;
    std::size_t queue_capacity = 4096;
    std::chrono::milliseconds tick{1000};
    ProfilePolicy profiles = {};
  };

  // `profiles` null: no profile source (defaults for everyone); `latest`
  // null: patients' latest values are not exported.
  WorkerPool(Options options, const Clock& clock, AlertSink& alerts, RulesBroadcast& rules,
             Metrics& metrics, ProfileService* profiles = nullptr, LatestSink* latest = nullptr);
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void start();

  // Queue the item for its patient's worker, waiting while that queue is
  // full. Return false only after stop() (the item was not queued).
  bool accept(const Reading& reading) override;
  bool accept(const AckRequest& ack) override;

  // Nudges idle workers to pick up a new rule set now rather than at their next item.
  void wake_all();

  // Thread-safe, non-blocking: hand the answer to the worker that asked.
  void deliver_profile(const PatientId& patient, ProfileAnswer answer);
  // Thread-safe, non-blocking: the patient's profile changed; `all`: every
  // patient's may have (the invalidation channel was down).
  void invalidate_profile(std::string_view patient);
  void invalidate_all_profiles();

  // Restart recovery. REQUIRES: before start(). Returns how many alerts were restored.
  std::size_t restore(const RestoredState& state);

  struct StopReport {
    bool finished = true;           // every worker drained its queue and exited
    std::size_t left_queued = 0;    // items still queued when the deadline passed
    std::size_t held_released = 0;  // first readings evaluated without their profile
  };
  // Closes the queues and lets every worker finish what is queued. A worker
  // whose patients still wait for a profile answer waits for it (until
  // max_hold or the deadline), then evaluates with what is known. Returns
  // when all workers have exited, or at `deadline` with finished = false
  // (their threads are then still running: the caller must exit the process).
  StopReport stop(std::chrono::steady_clock::time_point deadline);
  // Unbounded stop, for tests and the destructor.
  void stop();

  unsigned size() const { return static_cast<unsigned>(workers_.size()); }
  std::size_t depth(unsigned worker) const;

 private:
  struct Worker;
  struct Mail;
  class Requester;
  bool enqueue(const WorkItem& item);
  void post(unsigned worker, Mail mail);
  void read_mail(Worker& w);
  void run(Worker& w);

  const Options options_;
  const Clock& clock_;
  std::mutex stop_mutex_;  // guards exited_ and stop_deadline_
  std::condition_variable all_exited_;
  unsigned exited_ = 0;
  std::chrono::steady_clock::time_point stop_deadline_ = std::chrono::steady_clock::time_point::max();
  std::atomic<std::size_t> held_released_{0};
  RulesBroadcast& rules_;
  Metrics& metrics_;
  ProfileService* const profiles_;
  LatestSink* const latest_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace vitalsd
