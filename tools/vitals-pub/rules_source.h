// Where vitals-pub gets the rules its expected alerts are computed against:
// the daemon's own loader (vitalsd::load_rules), so the expectation uses
// exactly the thresholds, `for` durations and hysteresis vitalsd will use.
//
// Two implementations, chosen by CMake: rules_source_vitalsd.cpp calls the
// daemon's loader; rules_source_unavailable.cpp, for a tree where the loader
// is not written yet, says so and the report marks expected alerts unavailable.
#pragma once

#include <filesystem>
#include <string>

#include "analysis/rule_set.h"
#include "common/expected.h"

namespace vitals_pub {

// False in a build without the daemon's rules loader.
bool rules_loader_available();

// The rule set in `path` (a file or a directory of *.toml), or every problem
// found, one per line, as file:line:col: message.
vitalsd::Expected<vitalsd::RuleSet, std::string> load_rule_set(const std::filesystem::path& path);

}  // namespace vitals_pub
