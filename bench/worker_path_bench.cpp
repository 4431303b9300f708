// The whole per-reading path on one core, as the daemon runs it minus the
// broker: Ingestor::on_message (topic -> patient, parse, validate) -> the
// patient's BatchQueue -> drained in batches by Analyzer::on_reading (shipped
// rules, NEWS2, signal_lost) -> every alert encoded as the notifier would.
// Ingest and analysis alternate on one thread, so readings/s here is the
// per-core cost of one reading through vitalsd's own code.
//
// Argument: patients tracked (1k, 10k, 100k), to show the per-reading cost
// stays flat as the ward grows; heap_bytes_per_patient is the heap growth
// (mallinfo2) after every patient has been seen, divided by patients.
// "flapping": 1 reading in 10 breaches spo2_low (for = 0s): raise, then clear.
//
//   build/bench/worker_path_bench --benchmark_min_time=2
#include <malloc.h>

#include "analysis/analyzer.h"
#include "bench_support.h"
#include "common/clock.h"
#include "dispatch/batch_queue.h"
#include "ingest/ingestor.h"

namespace vitalsd::bench {
namespace {

constexpr std::size_t kBatch = 256;  // what a busy worker typically drains at once

class NullRejections final : public RejectionSink {
 public:
  void rejected(const Rejection&, std::string_view, std::int64_t) override { ++count; }
  void ack_rejected(std::string_view, std::string_view) override { ++count; }
  std::uint64_t count = 0;
};

// The worker pool's role, on the calling thread: queue, then drain a batch
// into the analyzer whenever kBatch items are waiting.
class InlineWorker final : public WorkSink {
 public:
  InlineWorker(const Clock& clock, AlertSink& alerts, std::shared_ptr<const RuleSet> rules)
      : queue_(4096), analyzer_(clock, alerts, std::move(rules)) {}
  bool accept(const Reading& reading) override { return push(reading); }
  bool accept(const AckRequest& ack) override { return push(ack); }
  void drain() {
    queue_.pop_all(batch_, std::chrono::steady_clock::time_point::min());
    for (const WorkItem& item : batch_) {
      if (const Reading* r = std::get_if<Reading>(&item)) analyzer_.on_reading(*r);
    }
    queued_ = 0;
  }
  std::size_t patients() const { return analyzer_.patient_count(); }

 private:
  bool push(const WorkItem& item) {
    queue_.push(item);
    if (++queued_ == kBatch) drain();
    return true;
  }
  BatchQueue<WorkItem> queue_;
  std::vector<WorkItem> batch_;
  Analyzer analyzer_;
  std::size_t queued_ = 0;
};

std::size_t heap_in_use() { return mallinfo2().uordblks; }

void run(benchmark::State& state, std::size_t flap_every) {
  const auto patients = static_cast<std::size_t>(state.range(0));
  // At least two readings per patient, and enough messages that the loop
  // does not sit in cache; the run cycles through them.
  const std::vector<Message> messages =
      ward_messages(patients, std::max<std::size_t>(patients * 2, 200'000), flap_every);
  FakeClock clock(kStartMs + 1'000'000'000);
  EncodingAlertSink alerts;
  NullRejections rejections;
  IngestStats stats;
  InlineWorker worker(clock, alerts, flap_every ? immediate_rules() : shipped_rules());
  Ingestor ingestor(*TopicFilter::parse("vitals/+"), std::nullopt, {}, clock, worker, rejections,
                    stats);

  const std::size_t heap_before = heap_in_use();
  for (const Message& m : messages) ingestor.on_message(m.topic, m.payload);
  worker.drain();
  const std::size_t heap_per_patient = (heap_in_use() - heap_before) / patients;

  std::size_t i = 0;
  const std::uint64_t alerts_before = alerts.alerts();
  const testing::AllocationCounter counter;
  for (auto _ : state) {
    const Message& m = messages[i];
    ingestor.on_message(m.topic, m.payload);
    if (++i == messages.size()) i = 0;
  }
  worker.drain();
  report(state, counter, state.iterations());
  state.counters["alerts_per_item"] =
      static_cast<double>(alerts.alerts() - alerts_before) / static_cast<double>(state.iterations());
  state.counters["heap_bytes_per_patient"] = static_cast<double>(heap_per_patient);
  state.counters["patients"] = static_cast<double>(worker.patients());
  if (rejections.count != 0) state.SkipWithError("a reading was rejected");
}

void BM_WorkerPath_steady(benchmark::State& state) { run(state, 0); }
void BM_WorkerPath_flapping(benchmark::State& state) { run(state, 10); }
BENCHMARK(BM_WorkerPath_steady)->Arg(1'000)->Arg(10'000)->Arg(100'000);
BENCHMARK(BM_WorkerPath_flapping)->Arg(1'000)->Arg(10'000)->Arg(100'000);

}  // namespace
}  // namespace vitalsd::bench
