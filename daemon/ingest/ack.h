// AckRequest: a nurse acknowledging one active alert (SPEC §5):
// {"rule": "spo2_low", "by": "rn-42"} on alerts-ack/<patient_id>.
// Validated at the boundary like a reading; trivially copyable.
#pragma once

#include <cstdint>
#include <type_traits>

#include "analysis/alert_event.h"
#include "common/bounded_string.h"
#include "common/patient_id.h"

namespace vitalsd {

inline constexpr std::size_t kMaxAckByLength = 64;
using AckBy = BoundedString<kMaxAckByLength>;

struct AckRequest {
  PatientId patient;
  RuleName rule;
  AckBy by;  // who acknowledged; may be empty
  std::int64_t received_ms = 0;
};

static_assert(std::is_trivially_copyable_v<AckRequest>);

}  // namespace vitalsd
