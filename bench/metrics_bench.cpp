// What a statistic costs on the per-reading path: vitalsd's single-writer
// blocks (stat_counters.h) against prometheus-cpp's thread-safe Counter and
// Histogram, alone and with two threads sharing one prometheus-cpp object,
// which is what a single family shared by the ingest thread and the workers
// would amount to.
//
//   build/bench/metrics_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "telemetry/stat_counters.h"

namespace vitalsd {
namespace {

// Latencies shaped like the pipeline's: mostly tens of microseconds, some
// milliseconds, a rare second. A histogram's cost depends on where values
// land (observe() scans the bucket bounds), so uniform noise would mislead.
const std::vector<double>& latencies() {
  static const std::vector<double> values = [] {
    std::mt19937 rng(42);
    auto log_uniform = [&rng](double lo, double hi) {
      return lo * std::pow(hi / lo, std::uniform_real_distribution<double>(0, 1)(rng));
    };
    std::vector<double> v(1024);
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::size_t bucket = i % 100;
      v[i] = bucket < 90 ? log_uniform(10e-6, 100e-6)
                         : (bucket < 99 ? log_uniform(100e-6, 10e-3) : log_uniform(0.1, 5.0));
    }
    std::shuffle(v.begin(), v.end(), rng);
    return v;
  }();
  return values;
}

prometheus::Histogram::BucketBoundaries prometheus_buckets() {
  return {kLatencyBucketsSeconds.begin(), kLatencyBucketsSeconds.end()};
}

// --- counters --------------------------------------------------------------

void BM_OwnedCounter_inc(benchmark::State& state) {
  // One block per thread, a cache line apart, as IngestStats and WorkerStats are.
  struct alignas(64) Block {
    OwnedCounter c;
  };
  static std::array<Block, 8> blocks;
  OwnedCounter& c = blocks.at(static_cast<std::size_t>(state.thread_index())).c;
  for (auto _ : state) {
    c.inc();
  }
  benchmark::DoNotOptimize(c.value());
}
BENCHMARK(BM_OwnedCounter_inc)->Threads(1)->Threads(2);

void BM_PrometheusCounter_Increment(benchmark::State& state) {
  static prometheus::Counter shared;  // both threads hit the same counter
  for (auto _ : state) {
    shared.Increment();
  }
  benchmark::DoNotOptimize(shared.Value());
}
BENCHMARK(BM_PrometheusCounter_Increment)->Threads(1)->Threads(2);

// A plain shared atomic integer, for scale: what "lock-free but shared" costs.
void BM_SharedAtomic_fetch_add(benchmark::State& state) {
  static std::atomic<std::uint64_t> shared{0};
  for (auto _ : state) {
    shared.fetch_add(1, std::memory_order_relaxed);
  }
  benchmark::DoNotOptimize(shared.load());
}
BENCHMARK(BM_SharedAtomic_fetch_add)->Threads(1)->Threads(2);

// --- histograms ------------------------------------------------------------

void BM_LatencyHistogram_observe(benchmark::State& state) {
  struct alignas(64) Block {
    LatencyHistogram h;
  };
  static std::array<Block, 8> blocks;
  LatencyHistogram& h = blocks.at(static_cast<std::size_t>(state.thread_index())).h;
  const auto& v = latencies();
  std::size_t i = 0;
  for (auto _ : state) {
    h.observe(v[i++ & (v.size() - 1)]);
  }
  benchmark::DoNotOptimize(h.count());
}
BENCHMARK(BM_LatencyHistogram_observe)->Threads(1)->Threads(2);

// The notifier's histogram: written from Paho's callback threads, so atomic RMWs.
void BM_SharedLatencyHistogram_observe(benchmark::State& state) {
  static SharedLatencyHistogram shared;
  const auto& v = latencies();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7;
  for (auto _ : state) {
    shared.observe(v[i++ & (v.size() - 1)]);
  }
  benchmark::DoNotOptimize(shared.count());
}
BENCHMARK(BM_SharedLatencyHistogram_observe)->Threads(1)->Threads(2);

void BM_PrometheusHistogram_Observe(benchmark::State& state) {
  static prometheus::Histogram shared(prometheus_buckets());
  const auto& v = latencies();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 7;
  for (auto _ : state) {
    shared.Observe(v[i++ & (v.size() - 1)]);
  }
}
BENCHMARK(BM_PrometheusHistogram_Observe)->Threads(1)->Threads(2);

}  // namespace
}  // namespace vitalsd
