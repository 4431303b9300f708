// RFC 3339 timestamps, as readings may carry them and as alerts and rejections
// print them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vitalsd {

// Formats epoch milliseconds as UTC with millisecond precision:
// "2026-11-21T10:00:00.123Z". Writes exactly 24 chars into out (no NUL) and
// returns the number written. Allocation-free so the alert encoder can use it.
std::size_t format_rfc3339_ms(std::int64_t epoch_ms, char* out);
std::string format_rfc3339_ms(std::int64_t epoch_ms);

// Parses an RFC 3339 date-time ("2026-11-21T10:00:00Z", "...T10:00:00.123+01:00";
// 'T'/'t'/' ' separator, 'Z'/'z' or numeric offset, any number of fraction
// digits, truncated to milliseconds) to epoch milliseconds. Returns nullopt for
// anything else, including out-of-range fields (month 13, second 61, ...).
// Leap second 60 is accepted and counted as 59.999, but only where one can
// occur: as 23:59:60 UTC (after applying the offset). Dates before 1970 and
// years 0000-9999 are supported; format clamps instants outside that range.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view s);

}  // namespace vitalsd
