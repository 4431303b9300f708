// Loading and validating vitalsd.toml and the rule files (SPEC §3, §6).
//
// Strict: unknown keys, wrong types and out-of-range values are errors, each
// reported as a Diagnostic with file:line:col. All problems found are
// returned, not just the first. toml++ is confined to the .cpp files.
// Pure functions of the files on disk: safe to call from any thread, e.g. off
// the hot path during a SIGHUP reload.
#pragma once

#include <filesystem>

#include "analysis/rule_set.h"
#include "common/expected.h"
#include "config/config.h"
#include "config/diagnostic.h"

namespace vitalsd {

// Relative paths in the file resolve against its folder; secret files are read.
Expected<Config, Diagnostics> load_config(const std::filesystem::path& file);

// `path` is a rules file or a directory whose *.toml files are read in name
// order. The whole set is validated together (duplicate names across files,
// at most one [news2] and one [signal_lost]); any problem refuses the whole set.
Expected<RuleSet, Diagnostics> load_rules(const std::filesystem::path& path);

}  // namespace vitalsd
