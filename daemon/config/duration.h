// Durations as config and rules files write them: "250ms", "30s", "5m", "1h",
// or sums like "1m30s". Non-negative integers per unit; no unit means error.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/expected.h"

namespace vitalsd {

// Returns the duration, or a one-line reason ("unknown unit 'sec' in '5sec'").
Expected<std::chrono::milliseconds, std::string> parse_duration(std::string_view text);

// The shortest spelling parse_duration accepts: 90000ms -> "1m30s", 0 -> "0s".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace vitalsd
