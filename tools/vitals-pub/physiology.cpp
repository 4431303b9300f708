#include "physiology.h"

#include <algorithm>
#include <cmath>

namespace vitals_pub {
namespace {

// Resting adult ward patients. Means and spreads follow common reference
// ranges; the truncation bounds are what keeps a healthy patient inside the
// NEWS2 zero bands once noise_bound() is added on either side.
struct BaselineDistribution {
  double mean, sd, lo, hi;
};
constexpr std::array<BaselineDistribution, kVitalCount> kBaselines = {{
    {74.0, 9.0, 62.0, 82.0},      // hr
    {97.8, 0.8, 97.0, 99.0},      // spo2
    {16.0, 1.5, 15.0, 17.0},      // rr
    {36.8, 0.25, 36.5, 37.2},     // temp
    {128.0, 12.0, 122.0, 140.0},  // sbp
    {0.0, 0.0, 65.0, 80.0},       // dbp: derived from sbp, see draw_baseline
}};

// Wearable-grade measurement noise and slow physiological wander.
constexpr std::array<VitalVariability, kVitalCount> kVariability = {{
    {1.2, 2.5},    // hr
    {0.5, 0.4},    // spo2
    {0.4, 0.5},    // rr
    {0.05, 0.15},  // temp
    {2.5, 3.0},    // sbp
    {1.5, 2.0},    // dbp
}};

// Drift mean-reverts over about half an hour of simulated time.
constexpr double kDriftTauSeconds = 30.0 * 60.0;

}  // namespace

VitalVariability variability(Vital v) { return kVariability[index_of(v)]; }

double noise_bound(Vital v) {
  const auto& var = kVariability[index_of(v)];
  return 3.0 * var.noise_sd + var.drift_max;
}

int device_round(Vital v, double value) {
  switch (v) {
    case Vital::spo2:
      // Oximeters report whole percent and never more than 100.
      return static_cast<int>(std::clamp(std::lround(value), 50L, 100L));
    case Vital::temp:
      return static_cast<int>(std::lround(value * 10.0));
    default:
      return static_cast<int>(std::max(0L, std::lround(value)));
  }
}

double reading_value(const DeviceReading& r, Vital v) {
  switch (v) {
    case Vital::hr:
      return r.hr;
    case Vital::spo2:
      return r.spo2;
    case Vital::rr:
      return r.rr;
    case Vital::temp:
      return r.temp_decic / 10.0;
    case Vital::sbp:
      return r.sbp;
    case Vital::dbp:
      return r.dbp;
  }
  return 0;
}

VitalArray draw_baseline(Prng& prng) {
  VitalArray b{};
  for (Vital v : {Vital::hr, Vital::spo2, Vital::rr, Vital::temp, Vital::sbp}) {
    const auto& d = kBaselines[index_of(v)];
    b[index_of(v)] = prng.normal_truncated(d.mean, d.sd, d.lo, d.hi);
  }
  // Diastolic tracks systolic (pulse pressure ~ 40-55 mmHg in healthy adults).
  const auto& d = kBaselines[index_of(Vital::dbp)];
  b[index_of(Vital::dbp)] = prng.normal_truncated(0.6 * b[index_of(Vital::sbp)], 4.0, d.lo, d.hi);
  // Whole-number baselines make the scripted values easy to read in reports.
  for (Vital v : vitalsd::kAllVitals) {
    b[index_of(v)] =
        v == Vital::temp ? std::round(b[index_of(v)] * 10.0) / 10.0 : std::round(b[index_of(v)]);
  }
  return b;
}

const VitalArray& Drift::at(double sim_seconds, Prng& prng) {
  if (!started_) {
    started_ = true;
    last_sim_seconds_ = sim_seconds;
    for (Vital v : vitalsd::kAllVitals) {
      const auto& var = kVariability[index_of(v)];
      offset_[index_of(v)] =
          std::clamp(prng.normal() * var.drift_max / 2.0, -var.drift_max, var.drift_max);
    }
    return offset_;
  }
  const double dt = std::max(0.0, sim_seconds - last_sim_seconds_);
  last_sim_seconds_ = std::max(last_sim_seconds_, sim_seconds);
  // Exact Ornstein-Uhlenbeck step for any dt, stationary sd = drift_max / 2.
  const double decay = std::exp(-dt / kDriftTauSeconds);
  const double shock = std::sqrt(1.0 - decay * decay);
  for (Vital v : vitalsd::kAllVitals) {
    const auto& var = kVariability[index_of(v)];
    double& x = offset_[index_of(v)];
    x = std::clamp(x * decay + shock * (var.drift_max / 2.0) * prng.normal(), -var.drift_max,
                   var.drift_max);
  }
  return offset_;
}

DeviceReading measure(const VitalArray& mean, const VitalArray& drift, Acvpu acvpu, bool o2,
                      Prng& prng) {
  VitalArray value{};
  for (Vital v : vitalsd::kAllVitals) {
    const auto i = index_of(v);
    value[i] = prng.normal_clamped(mean[i] + drift[i], kVariability[i].noise_sd);
  }
  DeviceReading r;
  r.hr = device_round(Vital::hr, value[index_of(Vital::hr)]);
  r.spo2 = device_round(Vital::spo2, value[index_of(Vital::spo2)]);
  r.rr = device_round(Vital::rr, value[index_of(Vital::rr)]);
  r.temp_decic = device_round(Vital::temp, value[index_of(Vital::temp)]);
  r.sbp = device_round(Vital::sbp, value[index_of(Vital::sbp)]);
  r.dbp = device_round(Vital::dbp, value[index_of(Vital::dbp)]);
  r.acvpu = acvpu;
  r.o2 = o2;
  return r;
}

}  // namespace vitals_pub
