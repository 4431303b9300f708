// The ingest -> worker hand-off: BatchQueue<WorkItem> (a Reading is ~300
// bytes, copied in). Single-threaded push + drain shows the fixed cost;
// producer/consumer on two threads shows the hand-off under contention,
// which is what the ingest thread and a worker do.
//
//   build/bench/batch_queue_bench --benchmark_min_time=1
#include <thread>

#include "bench_support.h"
#include "dispatch/batch_queue.h"
#include "ingest/work_item.h"

namespace vitalsd::bench {
namespace {

WorkItem sample_item() {
  Reading r;
  r.patient = PatientId("p-000001");
  r.ts_ms = kStartMs;
  return r;
}

void BM_BatchQueue_push_then_drain(benchmark::State& state) {
  const auto batch_size = static_cast<std::size_t>(state.range(0));
  BatchQueue<WorkItem> queue(4096);
  std::vector<WorkItem> batch;
  const WorkItem item = sample_item();
  std::size_t pushed = 0;
  const testing::AllocationCounter counter;
  for (auto _ : state) {
    queue.push(item);
    if (++pushed % batch_size == 0) {
      queue.pop_all(batch);
      benchmark::DoNotOptimize(batch.data());
    }
  }
  report(state, counter, state.iterations());
}
BENCHMARK(BM_BatchQueue_push_then_drain)->Arg(1)->Arg(64)->Arg(1024);

// One producer (the benchmark loop) and one consumer thread draining whole batches.
void BM_BatchQueue_producer_consumer(benchmark::State& state) {
  BatchQueue<WorkItem> queue(4096);
  std::atomic<std::uint64_t> consumed{0};
  std::thread consumer([&] {
    std::vector<WorkItem> batch;
    while (queue.pop_all(batch)) consumed.fetch_add(batch.size(), std::memory_order_relaxed);
  });
  const WorkItem item = sample_item();
  const testing::AllocationCounter counter;
  for (auto _ : state) queue.push(item);
  queue.close();
  consumer.join();
  report(state, counter, state.iterations());
}
BENCHMARK(BM_BatchQueue_producer_consumer)->UseRealTime();

}  // namespace
}  // namespace vitalsd::bench
