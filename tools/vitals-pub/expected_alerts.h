// Expected alerts: what a correct monitor must (and may) raise for the ward
// that was sent, under a given rule set.
//
// Not a second implementation of the daemon's state machine: each reading is
// reduced to the range the script allows (scripted mean +/- noise_bound,
// device-rounded), and a rule is only *expected* where the whole range breaches
// for longer than the rule's `for`. Where noise could go either way the alert
// is listed as optional (certain = false) or the severity as a range, so the
// expectation holds for any seed. Times are the scheduled send times widened
// by `slack_ms` (pacing lag and one reading interval).
//
// Pure: no clock, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/rule_set.h"
#include "ward.h"

namespace vitals_pub {

struct ExpectationContext {
  const WardPlan* ward = nullptr;
  double model_rate = 1;             // readings/s the script is laid out on (Schedule)
  std::vector<std::uint64_t> slots;  // per patient: slots the run went through
  std::int64_t start_wall_ms = 0;    // wall time of schedule offset 0
  std::int64_t slack_ms = 0;         // added on both sides of every window
  // signal_lost is checked on the daemon's wall clock by a periodic timer; we
  // allow this much for its period on top of `after`.
  std::int64_t signal_lost_check_ms = 5000;
};

// How an episode ends: yes = certainly cleared by clear_latest; no = certainly
// active when the readings end; maybe = either (it may also clear and re-raise
// on the way, e.g. while a ramp crosses the threshold band).
enum class ClearExpectation : std::uint8_t { yes, no, maybe };

struct ExpectedAlert {
  std::string patient;
  std::string rule;
  std::string metric;  // "spo2", ..., "news2", "none" (signal_lost)
  std::string scenario;
  std::string phase;                 // the phase where it is (certainly, else possibly) raised
  bool certain = false;              // false: may be raised, must not be counted as a false alarm
  std::optional<Severity> severity;  // highest severity certainly reached (certain only)
  Severity max_severity = Severity::low;  // highest severity that may be reached
  std::int64_t raise_earliest_ms = 0;
  std::optional<std::int64_t> raise_latest_ms;  // certain only
  ClearExpectation clear = ClearExpectation::no;
  std::optional<std::int64_t> clear_earliest_ms;
  std::optional<std::int64_t> clear_latest_ms;  // when clear == yes
};

struct Expectations {
  std::vector<ExpectedAlert> alerts;        // by patient, then rule order
  std::vector<std::string> quiet_patients;  // no alert of any kind expected or allowed
  // Patients stop sending when the run ends; past this, signal_lost fires for
  // everyone and the expectations no longer describe the daemon's output.
  std::optional<std::int64_t> valid_until_ms;
  std::vector<std::string> notes;  // caveats, e.g. plateaus shorter than a rule's `for`
};

// The monitor's per-patient settings a scenario needs (ProfileNeeds), as the
// SPEC §4 hash fields, resolved against the rule names of `rules`.
std::vector<std::pair<std::string, std::string>> profile_fields(const ProfileNeeds& needs,
                                                                const vitalsd::RuleSet& rules);

Expectations expect_alerts(const vitalsd::RuleSet& rules, const ExpectationContext& ctx);

// --- The generic part, exposed for tests. ---

// One reading reduced to what the rule can make of it. Severities 0-3 (0 none).
struct SlotClass {
  std::int64_t t_ms = 0;
  int phase = -1;
  bool can_breach = false, must_breach = false;
  bool can_clear = false, must_clear = false;
  int can_severity = 0, must_severity = 0;
};

struct Episode {
  bool certain = false;
  std::size_t raise_earliest = 0;           // index into the SlotClass span
  std::optional<std::size_t> raise_latest;  // certain only
  int severity = 0;                         // certain only
  int max_severity = 0;
  ClearExpectation clear = ClearExpectation::no;
  std::optional<std::size_t> clear_earliest;
  std::optional<std::size_t> clear_latest;
};

// Episodes of one rule for one patient's readings (in send order): a breach
// must be unbroken for `for_ms` of reading time to raise; clearing is decided
// by can_clear/must_clear (hysteresis already applied by the caller).
std::vector<Episode> find_episodes(std::span<const SlotClass> slots, std::int64_t for_ms);

}  // namespace vitals_pub
