// Episode: the alert state every rule kind shares, for one (patient, rule).
//
// One alert at a time per (patient, rule) (SPEC §3): while active it has one
// id, a severity that never decreases, and whether it has been acknowledged.
#pragma once

#include "analysis/alert_event.h"
#include "analysis/alert_id.h"

namespace vitalsd {

struct Episode {
  bool active = false;
  bool acknowledged = false;
  Severity severity = Severity::low;  // while active
  AlertId id;                         // while active

  // A new episode: active, unacknowledged, with a fresh id.
  static Episode open(Severity severity, AlertIdGenerator& ids) {
    return Episode{.active = true, .acknowledged = false, .severity = severity, .id = ids.next()};
  }
};

}  // namespace vitalsd
