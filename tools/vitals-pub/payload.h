// Payloads: the bytes a wearable publishes (SPEC §2), written directly with
// std::to_chars into a reused buffer (no JSON DOM, no allocation once warm).
//
// Also the deliberate artefacts: payloads a correct monitor must reject, each
// with the rejection reason SPEC §2 assigns to it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ingest/rejection.h"
#include "physiology.h"

namespace vitals_pub {

// {"ts":<ts_ms>,"device":"wb-0042","hr":72,"spo2":97,"rr":16,"temp":36.8,
//  "sbp":121,"dbp":78,"acvpu":"A","o2":false} into `out` (replacing its contents).
// `device` must already be JSON-safe (ids we generate are [a-z0-9-]).
void write_reading_json(std::string& out, const DeviceReading& r, std::string_view device,
                        std::int64_t ts_ms);

enum class ArtefactKind : std::uint8_t {
  hr_spike,          // motion artefact: hr 351-550 -> implausible
  spo2_invalid,      // oximeter "no data" marker 127 -> implausible
  temp_implausible,  // probe off the skin: 15.0-19.9 degC -> implausible
  truncated_json,    // payload cut short in transit -> malformed_json
  string_value,      // display dashes, "spo2":"--" -> bad_value
  no_vitals,         // a heartbeat with only ts and device -> no_vitals
  fractional_ts,     // ts with a fraction of a millisecond -> bad_timestamp
  future_ts,         // device clock an hour fast -> future_timestamp
  oversize,          // > 65536 bytes (the default max_payload_bytes) -> too_large
};
inline constexpr std::size_t kArtefactKindCount = 9;
inline constexpr std::array<ArtefactKind, kArtefactKindCount> kAllArtefactKinds = {
    ArtefactKind::hr_spike,       ArtefactKind::spo2_invalid, ArtefactKind::temp_implausible,
    ArtefactKind::truncated_json, ArtefactKind::string_value, ArtefactKind::no_vitals,
    ArtefactKind::fractional_ts,  ArtefactKind::future_ts,    ArtefactKind::oversize};

std::string_view artefact_name(ArtefactKind k);
vitalsd::RejectReason expected_rejection(ArtefactKind k);

// Whether slot k of the patient (0-based index) carries an artefact, and which.
// Counter-based (a hash of seed, patient and k), so the expected-alerts
// computation can ask without replaying the patient's reading stream.
std::optional<ArtefactKind> artefact_at(std::uint64_t seed, std::size_t patient, std::uint64_t k,
                                        double rate);

// The artefact payload, built around the reading it replaces. `variation`
// picks the details (spike height, cut position) deterministically.
void write_artefact_json(std::string& out, ArtefactKind kind, const DeviceReading& r,
                         std::string_view device, std::int64_t ts_ms, std::uint64_t variation);

}  // namespace vitals_pub
