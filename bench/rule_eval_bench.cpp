// Rule evaluation per reading: Analyzer::on_reading with the shipped rules
// (11 threshold rules, NEWS2, signal_lost) on already-parsed readings.
// "steady": nothing breaches (the common case). "flapping": every 10th
// reading of a patient breaches spo2_low with for = 0s, so 1 reading in 10
// raises and the next clears (alert encoding included).
//
//   build/bench/rule_eval_bench --benchmark_min_time=1
#include "analysis/analyzer.h"
#include "bench_support.h"
#include "common/clock.h"
#include "ingest/reading_parser.h"

namespace vitalsd::bench {
namespace {

std::vector<Reading> parsed(const std::vector<Message>& messages) {
  ReadingParser parser;
  std::vector<Reading> out;
  out.reserve(messages.size());
  for (const Message& m : messages) {
    std::string_view patient(m.topic);
    patient.remove_prefix(sizeof("vitals/") - 1);
    out.push_back(*parser.parse(patient, m.payload, kStartMs + 1'000'000'000, 0));
  }
  return out;
}

void run(benchmark::State& state, std::size_t flap_every) {
  const std::size_t patients = 1000;
  const std::vector<Reading> readings = parsed(ward_messages(patients, patients * 20, flap_every));
  FakeClock clock;
  EncodingAlertSink sink;
  Analyzer analyzer(clock, sink, flap_every ? immediate_rules() : shipped_rules());
  for (const Reading& r : readings) analyzer.on_reading(r);  // every patient known
  std::size_t i = 0;
  const std::uint64_t alerts_before = sink.alerts();
  const testing::AllocationCounter counter;
  for (auto _ : state) {
    analyzer.on_reading(readings[i]);
    if (++i == readings.size()) i = 0;
  }
  report(state, counter, state.iterations());
  state.counters["alerts_per_item"] =
      static_cast<double>(sink.alerts() - alerts_before) / static_cast<double>(state.iterations());
}

void BM_Analyzer_on_reading_steady(benchmark::State& state) { run(state, 0); }
void BM_Analyzer_on_reading_flapping(benchmark::State& state) { run(state, 10); }
BENCHMARK(BM_Analyzer_on_reading_steady);
BENCHMARK(BM_Analyzer_on_reading_flapping);

}  // namespace
}  // namespace vitalsd::bench
