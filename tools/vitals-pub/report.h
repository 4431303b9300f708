// The JSON run report (--report): what was sent, how fast, and what a correct
// monitor should make of it. Its layout is documented in README.md; tests and
// benchmarks read it, so fields are only ever added, never renamed.
#pragma once

#include <optional>
#include <string>

#include "analysis/rule_set.h"
#include "expected_alerts.h"
#include "options.h"
#include "run.h"
#include "ward.h"

namespace vitals_pub {

struct RunSummary {
  const Options* options = nullptr;
  std::uint64_t seed = 0;
  const WardPlan* ward = nullptr;
  Schedule schedule;
  const SendTally* tally = nullptr;
  std::int64_t start_wall_ms = 0;  // wall time at schedule offset 0
  bool interrupted = false;
  bool plan = false;  // --plan: nothing was sent; times are from the start (0)
  // Expected alerts: either computed (with the rules they came from) or the
  // reason they are not available.
  std::optional<std::string> rules_path;
  const vitalsd::RuleSet* rules = nullptr;
  std::optional<Expectations> expectations;
  std::int64_t slack_ms = 0;
  std::int64_t signal_lost_check_ms = 0;
  std::string unavailable_reason;
};

// Messages per second between the first and the last send: (n - 1) intervals
// over that span. 0 when fewer than two messages went out.
double achieved_rate(const SendTally& t);

std::string report_json(const RunSummary& s);

}  // namespace vitals_pub
