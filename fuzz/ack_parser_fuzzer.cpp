// libFuzzer target: one acknowledgement payload through AckParser, as the
// ingest thread hands it over (exact-size buffer, no padding).
// An accepted ack names a well-formed rule and a bounded `by`.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "ingest/ack_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vitalsd;
  static AckParser parser;  // one per ingest thread in the daemon, reused
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  const auto result = parser.parse("p-001", payload, 1'763'719'200'000);
  if (!result.has_value()) {
    FUZZ_CHECK(!result.error().empty());
    return 0;
  }
  const std::string_view rule = result->rule.view();
  FUZZ_CHECK(!rule.empty());
  for (const char c : rule) {
    FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  FUZZ_CHECK(result->by.size() <= kMaxAckByLength);
  FUZZ_CHECK(result->patient == "p-001");
  return 0;
}
