// PatientProfile: what the admission system says about one patient
// (SPEC §4): NEWS2 scale, oxygen and consciousness defaults, pause, and
// per-patient threshold overrides. Immutable once built; shared read-only.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "analysis/alert_event.h"
#include "analysis/news2_score.h"
#include "common/vitals.h"

namespace vitalsd {

struct ThresholdOverride {
  RuleName rule;
  Severity severity;
  double threshold;
};

struct PatientProfile {
  std::optional<SpO2Scale> news2_scale;  // absent: Scale 1
  std::optional<bool> o2;                // used when no reading has carried o2
  std::optional<Acvpu> acvpu;            // used when no reading has carried acvpu
  bool paused = false;                   // no alerts at all (e.g. discharged)
  std::vector<ThresholdOverride> overrides;  // `<rule>.<severity>` = threshold

  std::optional<double> override_for(std::string_view rule, Severity severity) const {
    for (const auto& o : overrides) {
      if (o.severity == severity && o.rule == rule) return o.threshold;
    }
    return std::nullopt;
  }
};

}  // namespace vitalsd
