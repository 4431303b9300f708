// Alert latency for the end-to-end bench: subscribes to alerts/# and, for
// each alert caused by a reading, measures reading ts (vitals-pub stamps the
// send time, epoch ms) -> receipt here (wall clock). Both ends share this
// machine's clock; ts has millisecond resolution, so each sample reads up to
// 1 ms high (0.5 ms on average). Prints count and p50/p90/p99/max in ms, and
// p50/p99 of the two legs either side of the alert's emitted_ts.
//
//   build/bench/alert_latency_sub --broker tcp://127.0.0.1:1883 --timeout 60
#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

#include "common/time_format.h"
#include "mqtt_counter.h"

namespace {

// A timestamp field of a SPEC §5 alert in epoch ms, or nullopt (null or
// absent). `key` is the field's name with its quotes, colon and opening quote.
std::optional<std::int64_t> ts_field_ms(std::string_view json, std::string_view key) {
  const auto at = json.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  const auto start = at + key.size();
  const auto end = json.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  return vitalsd::parse_rfc3339_ms(json.substr(start, end - start));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vitalsd::bench;
  CounterOptions o = parse_counter_options(argc, argv, "alerts/#");
  // Touched by Paho's delivery thread until disconnect. The whole latency, and
  // split at the alert's emitted_ts (stamped by the worker that evaluated the
  // reading): publisher -> broker -> vitalsd -> worker, then notifier ->
  // broker -> this subscriber. Both halves have 1 ms resolution.
  std::vector<double> latencies_ms, to_emitted_ms, after_emitted_ms;
  latencies_ms.reserve(1 << 20);
  to_emitted_ms.reserve(1 << 20);
  after_emitted_ms.reserve(1 << 20);
  const CountResult r = run_counter(o, [&](std::string_view payload, std::int64_t received_ns) {
    const auto reading = ts_field_ms(payload, R"("reading_ts":")");
    if (!reading) return;
    latencies_ms.push_back(static_cast<double>(received_ns - *reading * 1'000'000) * 1e-6);
    if (const auto emitted = ts_field_ms(payload, R"("emitted_ts":")")) {
      to_emitted_ms.push_back(static_cast<double>(*emitted - *reading));
      after_emitted_ms.push_back(static_cast<double>(received_ns - *emitted * 1'000'000) * 1e-6);
    }
  });
  for (auto* v : {&latencies_ms, &to_emitted_ms, &after_emitted_ms}) {
    std::sort(v->begin(), v->end());
  }
  std::printf(R"({"received":%llu,"sampled":%zu,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,)"
              R"("max_ms":%.3f,"to_emitted_p50_ms":%.3f,"to_emitted_p99_ms":%.3f,)"
              R"("after_emitted_p50_ms":%.3f,"after_emitted_p99_ms":%.3f,"cpu_s":%.3f})"
              "\n",
              static_cast<unsigned long long>(r.received), latencies_ms.size(),
              percentile(latencies_ms, 0.5), percentile(latencies_ms, 0.9),
              percentile(latencies_ms, 0.99), latencies_ms.empty() ? 0.0 : latencies_ms.back(),
              percentile(to_emitted_ms, 0.5), percentile(to_emitted_ms, 0.99),
              percentile(after_emitted_ms, 0.5), percentile(after_emitted_ms, 0.99), r.cpu_s);
  return 0;
}
