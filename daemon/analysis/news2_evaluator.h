// NEWS2 for one patient: which readings feed the chart (SPEC §3) and the
// alert episode it drives. The chart itself is news2_score.h.
//
// Pure functions of their arguments; no clock.
#pragma once

#include <chrono>
#include <optional>

#include "analysis/alert_id.h"
#include "analysis/episode.h"
#include "analysis/latest_vitals.h"
#include "analysis/news2_score.h"
#include "analysis/patient_profile.h"

namespace vitalsd {

struct News2Evaluation {
  News2Score score;
  bool assumed_o2 = false;     // neither a reading nor the profile said
  bool assumed_acvpu = false;  // neither a reading nor the profile said
};

// Scores the newest rr, spo2, sbp, hr and temp if each was measured within
// `window` of the patient's newest reading; nullopt otherwise. o2 and acvpu
// come from the newest reading that carried them, else the profile, else
// air and "A" (assumed). Scale 2 when the profile says so.
std::optional<News2Evaluation> evaluate_news2(const LatestVitals& latest,
                                              const PatientProfile* profile,
                                              std::chrono::milliseconds window);

// Alert transitions for NEWS2 (no `for`, no hysteresis; severity from the
// risk, never decreasing while active): raised when the risk first calls for
// an alert, escalated when it calls for a more severe one, cleared when the
// risk is low again.
std::optional<AlertState> step_news2(Episode& episode, News2Risk risk, AlertIdGenerator& ids);

// The aggregate score that the risk band starts at, for the alert's
// "threshold": 5 for medium, 7 for high; none for low-medium (a single 3).
std::optional<double> news2_threshold(News2Risk risk);

}  // namespace vitalsd
