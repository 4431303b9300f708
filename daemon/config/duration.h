// Durations as config and rules files write them: "250ms", "30s", "5m", "1h",
// or sums like "1m30s". Non-negative integers per unit; no unit means error.
// Units go largest first, each at most once ("30s1m" is refused as a likely
// typo); at most 8760h (one year), so callers may add one to a timestamp.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/expected.h"

namespace vitalsd {

// Returns the duration, or a one-line reason ("unknown unit 'sec' in '5sec'").
Expected<std::chrono::milliseconds, std::string> parse_duration(std::string_view text);

// The canonical spelling parse_duration accepts, largest units first:
// 90000ms -> "1m30s", 1500ms -> "1s500ms", 0 -> "0s".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace vitalsd
