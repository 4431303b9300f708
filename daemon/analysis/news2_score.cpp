#include "analysis/news2_score.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <span>

namespace vitalsd {
namespace {

// One row of the chart: values up to and including `upper` (and above the
// previous row's edge) score `score`. Scoring by "first upper edge not
// exceeded" puts a value that falls between two printed bands into the upper
// one, e.g. a respiration rate of 8.5 into 9-11 (SPEC §3).
struct Band {
  double upper;
  std::uint8_t score;
};

constexpr double kNoUpperEdge = std::numeric_limits<double>::infinity();

// Every table must be strictly ascending and end open-ended, so that every
// value (other than NaN, which readings never carry) falls into exactly one band.
constexpr bool well_formed(std::span<const Band> bands) {
  if (bands.empty() || bands.back().upper != kNoUpperEdge) return false;
  for (std::size_t i = 1; i < bands.size(); ++i) {
    if (!(bands[i - 1].upper < bands[i].upper)) return false;
  }
  return true;
}

// RCP NEWS2 chart (2017), one table per row; each comment restates the printed bands.

// Respiration rate (per minute): <=8 -> 3, 9-11 -> 1, 12-20 -> 0, 21-24 -> 2, >=25 -> 3.
constexpr std::array<Band, 5> kRespirationRate = {
    {{8, 3}, {11, 1}, {20, 0}, {24, 2}, {kNoUpperEdge, 3}}};

// SpO2 Scale 1 (%): <=91 -> 3, 92-93 -> 2, 94-95 -> 1, >=96 -> 0.
constexpr std::array<Band, 4> kSpO2Scale1 = {{{91, 3}, {93, 2}, {95, 1}, {kNoUpperEdge, 0}}};

// SpO2 Scale 2 (%), for hypercapnic respiratory failure, target 88-92:
// <=83 -> 3, 84-85 -> 2, 86-87 -> 1, 88-92 -> 0, >=93 on air -> 0,
// 93-94 on oxygen -> 1, 95-96 on oxygen -> 2, >=97 on oxygen -> 3.
constexpr std::array<Band, 5> kSpO2Scale2OnAir = {
    {{83, 3}, {85, 2}, {87, 1}, {92, 0}, {kNoUpperEdge, 0}}};
constexpr std::array<Band, 7> kSpO2Scale2OnOxygen = {
    {{83, 3}, {85, 2}, {87, 1}, {92, 0}, {94, 1}, {96, 2}, {kNoUpperEdge, 3}}};

// Systolic blood pressure (mmHg): <=90 -> 3, 91-100 -> 2, 101-110 -> 1, 111-219 -> 0, >=220 -> 3.
constexpr std::array<Band, 5> kSystolicBp = {
    {{90, 3}, {100, 2}, {110, 1}, {219, 0}, {kNoUpperEdge, 3}}};

// Pulse (per minute): <=40 -> 3, 41-50 -> 1, 51-90 -> 0, 91-110 -> 1, 111-130 -> 2, >=131 -> 3.
constexpr std::array<Band, 6> kPulse = {
    {{40, 3}, {50, 1}, {90, 0}, {110, 1}, {130, 2}, {kNoUpperEdge, 3}}};

// Temperature (°C): <=35.0 -> 3, 35.1-36.0 -> 1, 36.1-38.0 -> 0, 38.1-39.0 -> 1, >=39.1 -> 2.
constexpr std::array<Band, 5> kTemperature = {
    {{35.0, 3}, {36.0, 1}, {38.0, 0}, {39.0, 1}, {kNoUpperEdge, 2}}};

static_assert(well_formed(kRespirationRate));
static_assert(well_formed(kSpO2Scale1));
static_assert(well_formed(kSpO2Scale2OnAir));
static_assert(well_formed(kSpO2Scale2OnOxygen));
static_assert(well_formed(kSystolicBp));
static_assert(well_formed(kPulse));
static_assert(well_formed(kTemperature));

// Air or oxygen: oxygen -> 2, air -> 0.
constexpr std::uint8_t kOnOxygenScore = 2;
// Consciousness: Alert -> 0; new Confusion, Voice, Pain or Unresponsive -> 3.
constexpr std::uint8_t kNotAlertScore = 3;

std::uint8_t band_score(std::span<const Band> bands, double value) {
  assert(!std::isnan(value) && "readings never carry NaN (SPEC §2)");
  const auto it =
      std::find_if(bands.begin(), bands.end(), [value](const Band& b) { return value <= b.upper; });
  // Only NaN misses every band; the parser rejects it, so this is unreachable.
  return it != bands.end() ? it->score : bands.back().score;
}

std::uint8_t spo2_score(const News2Inputs& in) {
  if (in.scale == SpO2Scale::scale1) return band_score(kSpO2Scale1, in.spo2);
  return band_score(in.on_oxygen ? std::span<const Band>(kSpO2Scale2OnOxygen)
                                 : std::span<const Band>(kSpO2Scale2OnAir),
                    in.spo2);
}

News2Risk risk_of(int total, std::span<const std::uint8_t> subscores) {
  if (total >= 7) return News2Risk::high;
  if (total >= 5) return News2Risk::medium;
  const bool any_three = std::ranges::find(subscores, std::uint8_t{3}) != subscores.end();
  return any_three ? News2Risk::low_medium : News2Risk::low;
}

}  // namespace

News2Score score_news2(const News2Inputs& in) {
  News2Score s;
  s.subscores = {
      band_score(kRespirationRate, in.rr),
      spo2_score(in),
      in.on_oxygen ? kOnOxygenScore : std::uint8_t{0},
      band_score(kSystolicBp, in.sbp),
      band_score(kPulse, in.hr),
      in.acvpu == Acvpu::A ? std::uint8_t{0} : kNotAlertScore,
      band_score(kTemperature, in.temp),
  };
  s.total = std::accumulate(s.subscores.begin(), s.subscores.end(), 0);
  s.risk = risk_of(s.total, s.subscores);
  return s;
}

std::optional<Severity> news2_severity(News2Risk risk) {
  switch (risk) {
    case News2Risk::low:
      return std::nullopt;
    case News2Risk::low_medium:
      return Severity::low;
    case News2Risk::medium:
      return Severity::medium;
    case News2Risk::high:
      return Severity::high;
  }
  assert(false && "unknown News2Risk");
  return std::nullopt;
}

}  // namespace vitalsd
