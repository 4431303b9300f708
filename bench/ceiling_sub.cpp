// The ceiling for the end-to-end bench: a Paho subscriber that only counts
// readings. Whatever rate it reaches is what the broker (and the publisher
// sharing the machine) can deliver to one Paho client here; vitalsd is
// judged as a share of it.
//
// It also samples delivery latency, 1 reading in 32 so that it stays as
// light as the counter it is: the reading's ts (vitals-pub's send time, epoch
// ms) -> receipt here, with the same clock and 1 ms resolution as
// alert_latency_sub. That is the floor under vitalsd's alert latency on this
// machine: publisher -> broker -> a subscriber that does nothing.
//
// Prints {"received","rate","first_ns","last_ns","cpu_s","sampled","p50_ms","p99_ms","max_ms"}.
//
//   build/bench/ceiling_sub --broker tcp://127.0.0.1:1883 --qos 1 --count 100000
#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>
#include <vector>

#include "mqtt_counter.h"

namespace {

// A vitals-pub payload's "ts" (epoch ms, an integer), or nullopt.
std::optional<std::int64_t> reading_ts_ms(std::string_view json) {
  constexpr std::string_view kKey = "\"ts\":";
  const auto at = json.find(kKey);
  if (at == std::string_view::npos) return std::nullopt;
  std::int64_t ts = 0;
  const char* first = json.data() + at + kKey.size();
  const auto [end, ec] = std::from_chars(first, json.data() + json.size(), ts);
  if (ec != std::errc{} || end == first) return std::nullopt;
  return ts;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vitalsd::bench;
  const CounterOptions o = parse_counter_options(argc, argv, "vitals/+");
  constexpr std::uint64_t kSampleEvery = 32;
  std::uint64_t seen = 0;  // Paho's delivery thread only, until disconnect
  std::vector<double> latencies_ms;
  latencies_ms.reserve(1 << 16);
  const CountResult r = run_counter(o, [&](std::string_view payload, std::int64_t received_ns) {
    if (seen++ % kSampleEvery != 0) return;
    if (const auto ts = reading_ts_ms(payload)) {
      latencies_ms.push_back(static_cast<double>(received_ns - *ts * 1'000'000) * 1e-6);
    }
  });
  std::sort(latencies_ms.begin(), latencies_ms.end());
  std::printf(R"({"received":%llu,"rate":%.1f,"first_ns":%lld,"last_ns":%lld,"cpu_s":%.3f,)"
              R"("sampled":%zu,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f})" "\n",
              static_cast<unsigned long long>(r.received), r.rate(),
              static_cast<long long>(r.first_ns), static_cast<long long>(r.last_ns), r.cpu_s,
              latencies_ms.size(), percentile(latencies_ms, 0.5), percentile(latencies_ms, 0.99),
              latencies_ms.empty() ? 0.0 : latencies_ms.back());
  return 0;
}
