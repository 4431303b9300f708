// PipelineHealth: decides whether the analysis workers are making progress,
// which is what the systemd watchdog pings vouch for.
//
// A worker is stuck when readings have been waiting in its queue and it has
// finished none of them for at least `stall_limit`. An idle worker (empty
// queue) is healthy however long it waits, and a busy one is healthy as long
// as its processed count moves. The judgement uses only numbers the pipeline
// already keeps (WorkerPool::depth, WorkerStats::processed) and a monotonic
// time passed in, so it is a pure function of its samples and tests need no
// clock.
//
// Limits of what samples can see: a worker that took a batch off its queue
// and wedged while nothing new arrives for it has an empty queue and looks
// idle; it is judged stuck once its next reading has waited `stall_limit`.
//
// Not thread-safe: one caller (the event loop's watchdog timer).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace vitalsd {

struct WorkerSample {
  std::size_t depth = 0;        // readings queued, not yet taken by the worker
  std::uint64_t processed = 0;  // readings the worker has finished, ever
};

struct StuckWorker {
  unsigned worker = 0;
  std::size_t depth = 0;  // readings waiting at the latest sample
  std::chrono::nanoseconds stalled_for{0};
};

class PipelineHealth {
 public:
  explicit PipelineHealth(std::chrono::nanoseconds stall_limit) : stall_limit_(stall_limit) {}

  struct Verdict {
    bool healthy = true;
    std::optional<StuckWorker> stuck;  // the longest-stalled worker, when unhealthy
    bool changed = false;  // healthy differs from the previous verdict (first: vs healthy)
  };

  // `samples[i]` is worker i at monotonic time `now`; `now` never decreases.
  Verdict observe(std::span<const WorkerSample> samples, std::chrono::nanoseconds now);

  std::chrono::nanoseconds stall_limit() const { return stall_limit_; }

 private:
  struct Track {
    std::uint64_t processed = 0;
    // When a sample first found readings waiting and nothing finished since
    // the sample before; empty while the worker is idle or progressing.
    std::optional<std::chrono::nanoseconds> stalled_since;
  };

  const std::chrono::nanoseconds stall_limit_;
  std::vector<Track> tracks_;  // per worker; sized by the first sample
  bool healthy_ = true;
};

}  // namespace vitalsd
