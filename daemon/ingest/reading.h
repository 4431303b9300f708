// Reading: one validated measurement from one patient's wearable.
//
// Produced once by ReadingParser at the MQTT boundary, then moved by value
// through the dispatch queues to the worker that owns the patient. It is
// trivially copyable (ids are stored inline) so the hot path never allocates.
#pragma once

#include <cstdint>
#include <optional>
#include <type_traits>

#include "common/bounded_string.h"
#include "common/patient_id.h"
#include "common/vitals.h"

namespace vitalsd {

inline constexpr std::size_t kMaxDeviceIdLength = 64;
using DeviceId = BoundedString<kMaxDeviceIdLength>;

struct Reading {
  PatientId patient;
  DeviceId device;            // empty when the payload had none
  std::int64_t ts_ms = 0;     // reading time, epoch ms; receive time when the payload had no ts
  std::int64_t received_ms = 0;       // wall clock when vitalsd received it
  std::int64_t received_mono_ns = 0;  // monotonic clock at receipt, for latency metrics
  VitalValues vitals;
  std::optional<Acvpu> acvpu;
  std::optional<bool> o2;  // on supplemental oxygen
  // The broker marked this delivery as a possible repeat (MQTT DUP flag):
  // it may have reached vitalsd before, e.g. just before a restart.
  bool redelivered = false;
};

static_assert(std::is_trivially_copyable_v<Reading>, "Reading must stay allocation-free");

}  // namespace vitalsd
