// Shared fixtures for the in-process benchmarks: a ward's worth of SPEC §2
// payloads, the shipped rule set, and sinks that do what the daemon's do
// (encode every alert) without a broker.
//
// Allocations are counted by the replacement operator new linked into every
// bench binary (tests/unit/support/allocation_counter.cpp), per thread.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "analysis/alert_event.h"
#include "analysis/rule_set.h"
#include "config/config_loader.h"
#include "notify/alert_json.h"
#include "support/allocation_counter.h"

namespace vitalsd::bench {

inline constexpr std::int64_t kStartMs = 1'763'719'200'000;

inline std::string patient_name(std::size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "p-%06zu", i);
  return buf;
}

// One message as vitals-pub sends it. One reading in `flap_every` has SpO2 85
// (breaches spo2_low high), the others 97, staggered across patients so the
// share holds however few rounds a large ward gets; with for = 0s rules each
// breaching reading raises and the patient's next one clears.
struct Message {
  std::string topic;
  std::string payload;
};

inline std::string payload_of(std::int64_t ts, std::size_t patient, int spo2) {
  char buf[256];
  const int hr = 62 + static_cast<int>(patient % 20);
  std::snprintf(buf, sizeof buf,
                R"({"ts":%lld,"device":"wb-%06zu","hr":%d,"spo2":%d,"rr":16,"temp":36.8,)"
                R"("sbp":121,"dbp":78,"acvpu":"A","o2":false})",
                static_cast<long long>(ts), patient, hr, spo2);
  return buf;
}

// `count` messages round-robin over `patients`, one second of reading time
// apart per patient. flap_every 0: nothing ever breaches.
inline std::vector<Message> ward_messages(std::size_t patients, std::size_t count,
                                          std::size_t flap_every = 0) {
  std::vector<Message> out;
  out.reserve(count);
  for (std::size_t n = 0; n < count; ++n) {
    const std::size_t p = n % patients;
    const std::size_t round = n / patients;
    const bool breach = flap_every != 0 && (p + round) % flap_every == flap_every - 1;
    out.push_back({"vitals/" + patient_name(p),
                   payload_of(kStartMs + static_cast<std::int64_t>(round) * 1000, p,
                              breach ? 85 : 97)});
  }
  return out;
}

inline std::shared_ptr<const RuleSet> shipped_rules() {
  auto rules = load_rules(VITALSD_SOURCE_DIR "/rules");
  if (!rules) {
    std::fprintf(stderr, "cannot load %s/rules\n", VITALSD_SOURCE_DIR);
    std::exit(1);
  }
  return std::make_shared<const RuleSet>(std::move(*rules));
}

// The shipped rules with every `for` set to 0s, so flapping readings alert at once.
inline std::shared_ptr<const RuleSet> immediate_rules() {
  RuleSet rules = *shipped_rules();
  for (ThresholdRule& r : rules.thresholds) r.for_duration = std::chrono::milliseconds(0);
  return std::make_shared<const RuleSet>(std::move(rules));
}

// What the notifier thread does with each alert: encode it into a reused buffer.
class EncodingAlertSink final : public AlertSink {
 public:
  void emit(const AlertEvent& event) override {
    encode_alert_json(event, json_);
    benchmark::DoNotOptimize(json_.data());
    ++alerts_;
  }
  std::uint64_t alerts() const { return alerts_; }

 private:
  std::string json_;
  std::uint64_t alerts_ = 0;
};

// Reports items/s and heap allocations per item for the loop just run.
inline void report(benchmark::State& state, const testing::AllocationCounter& counter,
                   std::uint64_t items) {
  state.SetItemsProcessed(static_cast<std::int64_t>(items));
  state.counters["allocs_per_item"] = benchmark::Counter(
      items == 0 ? 0.0 : static_cast<double>(counter.allocations()) / static_cast<double>(items));
}

}  // namespace vitalsd::bench
