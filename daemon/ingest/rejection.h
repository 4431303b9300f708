// Why a message was not accepted as a reading (SPEC §2). The reason names are
// also the values of the `reason` label of vitalsd_readings_rejected_total.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace vitalsd {

enum class RejectReason : std::uint8_t {
  too_large,
  bad_topic,
  malformed_json,
  no_vitals,
  bad_value,
  implausible,
  bad_timestamp,
  future_timestamp,
};
inline constexpr std::size_t kRejectReasonCount = 8;

constexpr std::string_view reject_reason_name(RejectReason r) {
  constexpr std::array<std::string_view, kRejectReasonCount> names = {
      "too_large",   "bad_topic",     "malformed_json", "no_vitals",
      "bad_value",   "implausible",   "bad_timestamp",  "future_timestamp"};
  return names[static_cast<std::size_t>(r)];
}

struct Rejection {
  RejectReason reason;
  std::string detail;  // human-readable, names the offending field; never the whole payload
};

}  // namespace vitalsd
