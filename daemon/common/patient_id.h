// Patient ids: 1-64 chars of [A-Za-z0-9._-] (SPEC §2).
//
// Validated before an id is used in a topic name, a Redis key or a log line, so
// no MQTT wildcard, separator or key-space trick can ride in on one.
#pragma once

#include <string_view>

#include "common/bounded_string.h"

namespace vitalsd {

inline constexpr std::size_t kMaxPatientIdLength = 64;
using PatientId = BoundedString<kMaxPatientIdLength>;

constexpr bool is_valid_patient_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxPatientIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace vitalsd
