// Minimal JSON output without a DOM: append-only helpers that write straight
// into a reusable std::string. Used for alerts and rejection notices, whose
// shape is fixed, so a writer is simpler and faster than building a tree.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vitalsd::json {

// Appends `s` as a JSON string literal. Control characters are escaped and
// invalid UTF-8 is replaced by U+FFFD, so the output is valid JSON whatever
// bytes came in (topics and details can echo untrusted input).
void append_string(std::string& out, std::string_view s);

// Appends the shortest decimal that reads back as `v` ("89", "36.8").
// Non-finite values (which the pipeline never produces) are written as null.
void append_number(std::string& out, double v);
void append_int(std::string& out, std::int64_t v);

// Appends `"key":` (key must not need escaping; all keys vitalsd writes are literals).
inline void append_key(std::string& out, std::string_view key) {
  out += '"';
  out += key;
  out += "\":";
}

}  // namespace vitalsd::json
