// Payload parse + validate: ReadingParser on the payload vitals-pub sends
// (every field present), and the topic -> patient id step before it.
//
//   build/bench/reading_parse_bench --benchmark_min_time=1
#include "bench_support.h"
#include "ingest/reading_parser.h"
#include "ingest/topic_filter.h"

namespace vitalsd::bench {
namespace {

void BM_ReadingParser_parse(benchmark::State& state) {
  const std::vector<Message> messages = ward_messages(1000, 4096);
  ReadingParser parser;
  const std::int64_t now = kStartMs + 1'000'000'000;
  for (const Message& m : messages) (void)parser.parse("p-000001", m.payload, now, 0);  // warm
  std::size_t i = 0;
  std::uint64_t bytes = 0;
  const testing::AllocationCounter counter;
  for (auto _ : state) {
    const Message& m = messages[i++ & 4095];
    auto r = parser.parse("p-000001", m.payload, now, 0);
    benchmark::DoNotOptimize(r);
    bytes += m.payload.size();
  }
  report(state, counter, state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_ReadingParser_parse);

void BM_TopicFilter_patient_of(benchmark::State& state) {
  const TopicFilter filter = *TopicFilter::parse("vitals/+");
  const std::vector<Message> messages = ward_messages(1000, 4096);
  std::size_t i = 0;
  const testing::AllocationCounter counter;
  for (auto _ : state) {
    auto p = filter.patient_of(messages[i++ & 4095].topic);
    benchmark::DoNotOptimize(p);
  }
  report(state, counter, state.iterations());
}
BENCHMARK(BM_TopicFilter_patient_of);

}  // namespace
}  // namespace vitalsd::bench
