// NEWS2 scoring (Royal College of Physicians, National Early Warning Score 2,
// December 2017): the chart as a pure function. Which readings feed it, and
// when it alerts, is the Analyzer's business.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "analysis/alert_event.h"
#include "common/vitals.h"

namespace vitalsd {

enum class SpO2Scale : std::uint8_t { scale1 = 1, scale2 = 2 };

struct News2Inputs {
  double rr = 0;     // breaths/min
  double spo2 = 0;   // %
  bool on_oxygen = false;
  double sbp = 0;    // mmHg
  double hr = 0;     // beats/min
  Acvpu acvpu = Acvpu::A;
  double temp = 0;   // °C
  SpO2Scale scale = SpO2Scale::scale1;
};

struct News2Score {
  int total = 0;
  // In kNews2SubscoreKeys order: rr, spo2, o2, sbp, hr, acvpu, temp.
  std::array<std::uint8_t, 7> subscores = {};
  // low (0-4, no single 3), low_medium (a single 3, total < 5), medium (5-6), high (>= 7).
  News2Risk risk = News2Risk::low;
};

// The chart prints integer bands (one decimal for temperature); a value
// between two printed bands scores in the band whose upper edge it does not
// exceed (SPEC §3), e.g. temperature 35.05 scores as 35.1-36.0.
News2Score score_news2(const News2Inputs& in);

// Alert severity for a risk: low_medium -> low, medium -> medium, high -> high;
// low -> no alert (nullopt).
std::optional<Severity> news2_severity(News2Risk risk);

}  // namespace vitalsd
