// LatestVitals: the newest value of each vital for one patient, by reading
// time, plus the newest o2 and acvpu any reading carried. Feeds NEWS2 and the
// patient's "latest" state. A late (out-of-order) reading never overwrites a
// newer value.
//
// A reading's time here is its ts, but never later than when vitalsd
// received it: SPEC §2 accepts a ts up to 5 minutes ahead, and one device
// with a fast clock must not make its values look newer than every correct
// reading that follows (which would freeze NEWS2 on them).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "common/patient_id.h"
#include "common/vitals.h"
#include "ingest/reading.h"

namespace vitalsd {

struct LatestVitals {
  struct Value {
    double value = 0;
    std::int64_t ts_ms = 0;
    bool present = false;
  };
  template <class T>
  struct Flag {
    std::optional<T> value;
    std::int64_t ts_ms = 0;
  };

  std::array<Value, kVitalCount> vitals;
  Flag<bool> o2;
  Flag<Acvpu> acvpu;
  std::int64_t newest_ts_ms = std::numeric_limits<std::int64_t>::min();

  const Value& operator[](Vital v) const { return vitals[static_cast<std::size_t>(v)]; }

  static std::int64_t time_of(const Reading& r) { return std::min(r.ts_ms, r.received_ms); }

  void update(const Reading& r) {
    const std::int64_t t = time_of(r);
    for (Vital v : kAllVitals) {
      if (!r.vitals.has(v)) continue;
      Value& slot = vitals[static_cast<std::size_t>(v)];
      if (slot.present && slot.ts_ms > t) continue;
      slot = Value{r.vitals.get(v), t, true};
    }
    if (r.o2 && (!o2.value || o2.ts_ms <= t)) o2 = {r.o2, t};
    if (r.acvpu && (!acvpu.value || acvpu.ts_ms <= t)) acvpu = {r.acvpu, t};
    if (t > newest_ts_ms) newest_ts_ms = t;
  }
};

// The newest values of one patient, for its `latest` hash in Redis (SPEC §5).
struct LatestSnapshot {
  PatientId patient;
  LatestVitals latest;
  std::optional<int> news2;  // the last NEWS2 score computed, if any
};

// Where workers hand the patients whose values changed (about once a second).
// Must not block.
class LatestSink {
 public:
  virtual ~LatestSink() = default;
  virtual void latest(std::vector<LatestSnapshot> snapshots) = 0;
};

}  // namespace vitalsd
