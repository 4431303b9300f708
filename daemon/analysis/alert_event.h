// AlertEvent: one transition of one alert episode (SPEC §5), as a value.
//
// Produced by a worker's Analyzer, moved through the notification queue to the
// Notifier, which encodes and publishes it. Trivially copyable: emitting an
// alert does not allocate.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include "analysis/alert_id.h"
#include "common/bounded_string.h"
#include "common/patient_id.h"
#include "common/vitals.h"
#include "ingest/reading.h"

namespace vitalsd {

enum class AlertState : std::uint8_t { raised, escalated, cleared, acknowledged };

constexpr std::string_view alert_state_name(AlertState s) {
  constexpr std::array<std::string_view, 4> names = {"raised", "escalated", "cleared",
                                                     "acknowledged"};
  return names[static_cast<std::size_t>(s)];
}

// Why an alert cleared, when it was not a reading back in range. Published as
// the alert's "reason" field (absent for an ordinary clear).
enum class ClearReason : std::uint8_t { rule_removed, rule_changed, patient_paused };

constexpr std::string_view clear_reason_name(ClearReason r) {
  constexpr std::array<std::string_view, 3> names = {"rule_removed", "rule_changed",
                                                     "patient_paused"};
  return names[static_cast<std::size_t>(r)];
}

inline constexpr std::size_t kMaxRuleNameLength = 64;
using RuleName = BoundedString<kMaxRuleNameLength>;

// NEWS2 detail carried by `news2` alerts (SPEC §5).
enum class News2Risk : std::uint8_t { low, low_medium, medium, high };

constexpr std::string_view news2_risk_name(News2Risk r) {
  constexpr std::array<std::string_view, 4> names = {"low", "low-medium", "medium", "high"};
  return names[static_cast<std::size_t>(r)];
}

// Subscore order: rr, spo2, o2, sbp, hr, acvpu, temp (SPEC §5 key order).
inline constexpr std::array<std::string_view, 7> kNews2SubscoreKeys = {"rr",  "spo2",  "o2",  "sbp",
                                                                       "hr",  "acvpu", "temp"};

struct News2Detail {
  int score = 0;
  std::array<std::uint8_t, 7> subscores = {};
  News2Risk risk = News2Risk::low;
  bool assumed_o2 = false;
  bool assumed_acvpu = false;
};

struct AlertEvent {
  AlertId id;
  PatientId patient;
  RuleName rule;
  std::string_view metric;  // a vital name, "news2" or "none"; always static storage
  AlertState state = AlertState::raised;
  Severity severity = Severity::low;
  std::optional<double> value;      // from the reading that caused the transition
  std::optional<double> threshold;  // the threshold that reading was judged against
  std::optional<std::int64_t> reading_ts_ms;
  std::int64_t emitted_ms = 0;
  DeviceId device;                  // empty: null in JSON
  std::optional<News2Detail> news2;
  std::optional<ClearReason> reason;  // only for clears not caused by a reading
  BoundedString<64> acked_by;         // acknowledged: who acknowledged (may be empty)
  std::int64_t received_mono_ns = 0;  // receipt of the causing reading; 0 if none
};

static_assert(std::is_trivially_copyable_v<AlertEvent>);

// Where a worker hands its alert transitions. Implementations must not block
// the caller for long: workers call it on the per-reading path.
class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void emit(const AlertEvent& event) = 0;
};

}  // namespace vitalsd
