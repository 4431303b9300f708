// Parses an acknowledgement payload {"rule": "spo2_low", "by": "rn-42"}
// (SPEC §5). `rule` is required and must look like a rule name
// ([a-z0-9_]{1,64}); `by` is optional (at most 64 bytes); unknown fields are
// ignored. Whether the alert exists is the owning worker's business.
//
// Not thread-safe: one instance per thread (the ingest thread owns one).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/expected.h"
#include "ingest/ack.h"

namespace vitalsd {

class AckParser {
 public:
  AckParser();
  ~AckParser();
  AckParser(const AckParser&) = delete;
  AckParser& operator=(const AckParser&) = delete;

  // `patient` must already be a valid patient id. The error is a one-line reason.
  Expected<AckRequest, std::string> parse(std::string_view patient, std::string_view payload,
                                          std::int64_t received_ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vitalsd
