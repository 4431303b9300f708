// Alert latency for the end-to-end bench: subscribes to alerts/# and, for
// each alert caused by a reading, measures reading ts (vitals-pub stamps the
// send time, epoch ms) -> receipt here (wall clock). Both ends share this
// machine's clock; ts has millisecond resolution, so each sample reads up to
// 1 ms high (0.5 ms on average). Prints count and p50/p90/p99/max in ms.
//
//   build/bench/alert_latency_sub --broker tcp://127.0.0.1:1883 --timeout 60
#include <algorithm>
#include <vector>

#include "common/time_format.h"
#include "mqtt_counter.h"

namespace {

// The reading_ts of a SPEC §5 alert, or nullopt (null or absent).
std::optional<std::int64_t> reading_ts_ms(std::string_view json) {
  constexpr std::string_view kKey = R"("reading_ts":")";
  const auto at = json.find(kKey);
  if (at == std::string_view::npos) return std::nullopt;
  const auto start = at + kKey.size();
  const auto end = json.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  return vitalsd::parse_rfc3339_ms(json.substr(start, end - start));
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vitalsd::bench;
  CounterOptions o = parse_counter_options(argc, argv, "alerts/#");
  std::vector<double> latencies_ms;  // touched by Paho's delivery thread until disconnect
  latencies_ms.reserve(1 << 20);
  const CountResult r = run_counter(o, [&](std::string_view payload, std::int64_t received_ns) {
    if (auto ts = reading_ts_ms(payload)) {
      latencies_ms.push_back(static_cast<double>(received_ns - *ts * 1'000'000) * 1e-6);
    }
  });
  std::sort(latencies_ms.begin(), latencies_ms.end());
  std::printf(R"({"received":%llu,"sampled":%zu,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,)"
              R"("max_ms":%.3f,"cpu_s":%.3f})" "\n",
              static_cast<unsigned long long>(r.received), latencies_ms.size(),
              percentile(latencies_ms, 0.5), percentile(latencies_ms, 0.9),
              percentile(latencies_ms, 0.99), latencies_ms.empty() ? 0.0 : latencies_ms.back(),
              r.cpu_s);
  return 0;
}
