// Physiology: what one simulated adult's wearable measures.
//
// A patient has a baseline drawn from adult resting distributions; each
// reading is  scripted mean (the baseline, or a scenario's trajectory)
//            + slow drift (Ornstein-Uhlenbeck, clamped)
//            + measurement noise (normal, clamped at 3 sd)
// then rounded the way a device reports it (integer bpm, breaths/min and
// mmHg, SpO2 in whole %, temperature to 0.1 degC).
//
// Drift and noise are bounded by construction, so |reading - mean| is at most
// noise_bound(v) before rounding; expected_alerts.h relies on that bound.
// Pure: no clock, no I/O; simulated time is an argument.
#pragma once

#include <array>
#include <cstdint>

#include "common/vitals.h"
#include "prng.h"

namespace vitals_pub {

using vitalsd::Acvpu;
using vitalsd::kVitalCount;
using vitalsd::Vital;

inline constexpr std::size_t index_of(Vital v) { return static_cast<std::size_t>(v); }

// A value per numeric vital, indexed by Vital.
using VitalArray = std::array<double, kVitalCount>;

// How a vital scatters around its scripted mean.
struct VitalVariability {
  double noise_sd;   // reading-to-reading measurement noise (clamped at 3 sd)
  double drift_max;  // slow wander of the patient's own baseline, clamped to +/- this
};
VitalVariability variability(Vital v);

// The largest |reading - scripted mean| before device rounding.
double noise_bound(Vital v);

// One reading as the device reports it: already rounded, ready to print.
struct DeviceReading {
  int hr = 0;
  int spo2 = 0;
  int rr = 0;
  int temp_decic = 0;  // temperature in tenths of a degree: 368 = 36.8 degC
  int sbp = 0;
  int dbp = 0;
  Acvpu acvpu = Acvpu::A;
  bool o2 = false;

  bool operator==(const DeviceReading&) const = default;
};

// Device rounding of one continuous value, in the unit the payload carries
// (temperature in tenths), clamped to what the device can display.
int device_round(Vital v, double value);

// The value a device reading carries for v, in natural units (temp in degC).
double reading_value(const DeviceReading& r, Vital v);

// A healthy adult's resting values. Drawn from the middle of adult
// distributions, truncated so that baseline + drift + noise stays inside the
// NEWS2 zero-score bands (HR 51-90, RR 12-20, SpO2 >= 96 give or take one
// point, SBP 111-219, temp 36.1-38.0): a healthy patient must never alert.
VitalArray draw_baseline(Prng& prng);

// The wandering part of a patient's vitals; one per patient, advanced in
// simulated time.
class Drift {
 public:
  // Advances to sim_seconds (never backwards) and returns the current offsets.
  const VitalArray& at(double sim_seconds, Prng& prng);

 private:
  VitalArray offset_ = {};
  double last_sim_seconds_ = 0;
  bool started_ = false;
};

// Mean + drift + noise, rounded like a device. `mean` is the scripted value.
DeviceReading measure(const VitalArray& mean, const VitalArray& drift, Acvpu acvpu, bool o2,
                      Prng& prng);

}  // namespace vitals_pub
