// Ward: the simulated patients, what each one is going through, and the
// per-patient simulator that turns that into device readings.
//
// plan_ward() is a pure function of the options (seed included): the same
// options always give the same ward. A PatientSimulator is owned by the one
// thread that sends for its patient.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/expected.h"
#include "payload.h"
#include "physiology.h"
#include "prng.h"
#include "scenario.h"

namespace vitals_pub {

// --scenario NAME[:SELECTOR]. SELECTOR is a comma list of `all`, patient
// numbers (`3`), ranges (`2-5`) or ids (`p-0003`). Empty picks the
// lowest-numbered patient without a course (for a course) or without any
// scenario (for artefacts).
struct ScenarioRequest {
  std::string name;
  std::string selector;
};

struct WardOptions {
  std::uint64_t seed = 0;
  std::size_t patients = 10;
  double time_scale = 1.0;      // clinical seconds per real second
  double min_hold_s = 120.0;    // a plateau lasts at least this long in real time
  double artefact_rate = 0.05;  // share of an artefacts patient's readings that are artefacts
  // A sensor dropout's silence (real time); the connected periods before and
  // after it last a third of it each.
  double dropout_gap_s = kDropoutGapSeconds;
  std::vector<ScenarioRequest> scenarios;
};

struct PatientPlan {
  std::size_t index = 0;  // 0-based; the id's number is index + 1
  std::string id;         // "p-0001"
  std::string device;     // "wb-0001"
  VitalArray baseline{};
  const ScenarioSpec* course = nullptr;  // a clinical or device course, or none
  bool artefacts = false;
  Timeline timeline{VitalArray{}};
};

struct WardPlan {
  WardOptions options;
  std::vector<PatientPlan> patients;

  // Real seconds until the longest course is over (0 if there is none).
  double script_end_s() const;
};

// Fails with a one-line reason for an unknown scenario or a bad selector.
vitalsd::Expected<WardPlan, std::string> plan_ward(const WardOptions& options);

// "p-0001" .. "p-9999"; more digits once the ward needs them.
std::string patient_id(std::size_t index, std::size_t patients);

// One patient's device: call next() for slots 0, 1, 2, ... in order.
class PatientSimulator {
 public:
  PatientSimulator(const PatientPlan& plan, const WardOptions& options);

  struct Slot {
    enum class Kind : std::uint8_t { reading, artefact, silent };
    Kind kind = Kind::reading;
    DeviceReading reading;
    ArtefactKind artefact = ArtefactKind::hr_spike;  // when kind == artefact
    std::uint64_t variation = 0;
    int phase = -1;  // ScriptPoint::phase
  };

  // Slot k, due `offset_s` real seconds after the run start.
  Slot next(std::uint64_t k, double offset_s);

  // The slot's payload, stamped with ts_ms (the send time).
  void write(const Slot& slot, std::int64_t ts_ms, std::string& out) const;

  const PatientPlan& plan() const { return plan_; }

 private:
  const PatientPlan& plan_;
  const std::uint64_t seed_;
  const double time_scale_;
  const double artefact_rate_;
  Prng noise_;
  Drift drift_;
};

}  // namespace vitals_pub
