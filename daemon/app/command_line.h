// The vitalsd command line (SPEC §7).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/expected.h"

namespace vitalsd {

inline constexpr const char* kDefaultConfigPath = "/etc/vitalsd/vitalsd.toml";

struct CommandLine {
  enum class Action { run, check_config, version, help };
  Action action = Action::run;
  std::filesystem::path config = kDefaultConfigPath;
};

// Fails with a one-line reason for unknown or incomplete options.
Expected<CommandLine, std::string> parse_command_line(const std::vector<std::string>& args);

std::string usage_text();

}  // namespace vitalsd
