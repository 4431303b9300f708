// WorkItem: what travels from ingest to the worker that owns a patient.
// Readings and acknowledgements share one queue so that a patient's acks are
// handled in order with its readings.
#pragma once

#include <string_view>
#include <type_traits>
#include <variant>

#include "ingest/ack.h"
#include "ingest/reading.h"

namespace vitalsd {

using WorkItem = std::variant<Reading, AckRequest>;
static_assert(std::is_trivially_copyable_v<WorkItem>);

inline std::string_view patient_of(const WorkItem& item) {
  return std::visit([](const auto& x) { return x.patient.view(); }, item);
}

}  // namespace vitalsd
