// The daemon's logger: spdlog to stderr (journald under systemd), as plain
// text lines or JSON lines (SPEC §6 [log]). Built once in main and passed by
// reference; vitalsd registers no global logger.
#pragma once

#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "common/expected.h"
#include "config/config.h"

namespace vitalsd {

// Fails (with a reason) only for an unknown level name.
Expected<std::shared_ptr<spdlog::logger>, std::string> make_logger(const LogConfig& config);

// Applies [log] level and format to a logger made by make_logger, e.g. on a
// SIGHUP reload. Safe while other threads log: the level is an atomic and the
// stderr sink swaps its formatter under its own lock.
// REQUIRES: config.level is a known level name (load_config checks it).
void apply_log_config(spdlog::logger& logger, const LogConfig& config);

}  // namespace vitalsd
