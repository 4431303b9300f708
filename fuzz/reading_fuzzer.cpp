// libFuzzer target: one MQTT payload through ReadingParser, as the ingest
// thread's MQTT callback hands it over (exact-size buffer, no padding: the
// parser must make its own copy for simdjson, and ASan checks that it does).
//
// Beyond "no crash, no leak": an accepted reading keeps every promise of the
// type (SPEC §2 ranges, ts no further ahead than allowed, at least one vital),
// and a rejection carries a short, printable detail.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/vitals.h"
#include "fuzz_check.h"
#include "ingest/reading_parser.h"

namespace {

constexpr std::int64_t kNowMs = 1'763'719'200'000;
constexpr std::size_t kMaxPayloadBytes = 8192;  // small, so too_large and buffer growth are reachable
constexpr std::int64_t kMaxFutureMs = std::int64_t{5} * 60 * 1000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vitalsd;
  // One parser for the whole run, as in the daemon: its buffers are reused
  // and grown across payloads, and that reuse is part of what is tested.
  static ReadingParser parser(ReadingParserLimits{kMaxPayloadBytes, kMaxFutureMs});
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  const auto result = parser.parse("p-001", payload, kNowMs, 0);

  if (result.has_value()) {
    const Reading& reading = *result;
    FUZZ_CHECK(size <= kMaxPayloadBytes);
    FUZZ_CHECK(reading.patient == "p-001");
    FUZZ_CHECK(reading.received_ms == kNowMs);
    FUZZ_CHECK(reading.ts_ms >= 0 && reading.ts_ms <= kNowMs + kMaxFutureMs);
    FUZZ_CHECK(reading.device.size() <= kMaxDeviceIdLength);
    FUZZ_CHECK(!reading.vitals.empty() || reading.acvpu || reading.o2);
    for (Vital v : kAllVitals) {
      if (!reading.vitals.has(v)) continue;
      const double value = reading.vitals.get(v);
      FUZZ_CHECK(value >= plausible_range(v).min && value <= plausible_range(v).max);
    }
    return 0;
  }
  const Rejection& rejection = result.error();
  FUZZ_CHECK(static_cast<std::size_t>(rejection.reason) < kRejectReasonCount);
  FUZZ_CHECK(rejection.reason != RejectReason::bad_topic);
  FUZZ_CHECK((rejection.reason == RejectReason::too_large) == (size > kMaxPayloadBytes));
  FUZZ_CHECK(!rejection.detail.empty() && rejection.detail.size() <= 300);
  for (const char c : rejection.detail) FUZZ_CHECK(c >= 0x20 && c < 0x7f);
  return 0;
}
