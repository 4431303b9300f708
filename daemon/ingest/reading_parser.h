// ReadingParser: turns one MQTT payload into a Reading or a Rejection, exactly
// as SPEC §2 says. This is the trust boundary: nothing after it sees raw input.
//
// Owns reusable parse buffers, so one instance per thread; after warm-up,
// parsing a valid payload does not allocate. simdjson stays inside the .cpp.
//
// One reason per payload. When several apply, the first in this list wins:
//   too_large > malformed_json > bad_value > bad_timestamp > no_vitals >
//   implausible > future_timestamp
// (bad_topic is TopicFilter's call; parse() returns it only for an invalid
// `patient`). Within a reason, the first offending field in document order
// names the detail. Choices SPEC §2 leaves open:
//   - JSON null for a known field is bad_value, not "absent".
//   - A number beyond double (1e999) is bad_value in a known field, and ignored
//     like the rest of an unknown field. Integers beyond int64 are numbers:
//     implausible as a vital, bad_timestamp as ts.
//   - ts of the wrong JSON type (bool, array, object) is bad_value; a number or
//     string that is not a usable time, or one before 1970, is bad_timestamp.
//   - Nesting deeper than 1024 levels is malformed_json (simdjson's limit).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/expected.h"
#include "ingest/reading.h"
#include "ingest/rejection.h"

namespace vitalsd {

struct ReadingParserLimits {
  std::size_t max_payload_bytes = 65536;
  std::int64_t max_future_ms = 5 * 60 * 1000;  // ts may be at most this far ahead of receipt
};

class ReadingParser {
 public:
  explicit ReadingParser(ReadingParserLimits limits = {});
  ~ReadingParser();
  ReadingParser(const ReadingParser&) = delete;
  ReadingParser& operator=(const ReadingParser&) = delete;

  // `patient` must already be a valid patient id (see TopicFilter).
  // `received_ms` / `received_mono_ns` are the receive time, stamped into the
  // Reading and used for ts-less payloads and the future_timestamp check.
  Expected<Reading, Rejection> parse(std::string_view patient, std::string_view payload,
                                     std::int64_t received_ms, std::int64_t received_mono_ns);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vitalsd
