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

}  // namespace vitalsd
