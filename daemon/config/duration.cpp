#include "config/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace vitalsd {
namespace {

using std::chrono::milliseconds;

struct Unit {
  std::string_view name;
  std::int64_t ms;
};

// Largest first: a duration must list its units in this order, each at most
// once, so "30s1m" (almost certainly a typo) is refused rather than summed.
constexpr std::array<Unit, 4> kUnits = {Unit{"h", 3'600'000}, Unit{"m", 60'000}, Unit{"s", 1'000},
                                        Unit{"ms", 1}};

// Far beyond any timeout, TTL or rule window, and small enough that adding a
// duration to an epoch-millisecond timestamp can never overflow downstream.
constexpr std::int64_t kMaxMs = 365LL * 24 * 3'600'000;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string too_large(std::string_view text) {
  return "duration " + quoted(text) + " is too large (the maximum is 8760h, one year)";
}

// Index into kUnits, or kUnits.size() if `name` is not a unit.
std::size_t find_unit(std::string_view name) {
  for (std::size_t i = 0; i < kUnits.size(); ++i) {
    if (kUnits[i].name == name) return i;
  }
  return kUnits.size();
}

// Explains why `text` is not a duration when the scan stops at a character
// that is neither a digit nor a unit letter.
std::string bad_character(std::string_view text, std::size_t pos) {
  const char c = text[pos];
  if (c == '-' && pos == 0) return "negative durations are not allowed: " + quoted(text);
  if (c == '.' || c == ',') {
    return "fractions are not supported in " + quoted(text) + " (write e.g. 1500ms for 1.5s)";
  }
  if (is_letter(c)) return "expected a number before the unit in " + quoted(text);
  return "unexpected character " + quoted(std::string_view(&c, 1)) + " in " + quoted(text);
}

}  // namespace

Expected<milliseconds, std::string> parse_duration(std::string_view text) {
  if (text.empty()) return unexpected(std::string("empty duration (write e.g. \"30s\")"));
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // units must appear in kUnits order
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (!is_digit(text[pos])) return unexpected(bad_character(text, pos));
    std::int64_t count = 0;
    for (; pos < text.size() && is_digit(text[pos]); ++pos) {
      if (count > kMaxMs) return unexpected(too_large(text));
      count = count * 10 + (text[pos] - '0');
    }
    const std::size_t unit_begin = pos;
    while (pos < text.size() && is_letter(text[pos])) ++pos;
    const std::string_view unit_name = text.substr(unit_begin, pos - unit_begin);
    if (unit_name.empty()) {
      if (pos == text.size()) {
        return unexpected("missing unit in " + quoted(text) + " (use ms, s, m or h)");
      }
      return unexpected(bad_character(text, pos));
    }
    const std::size_t unit = find_unit(unit_name);
    if (unit == kUnits.size()) {
      return unexpected("unknown unit " + quoted(unit_name) + " in " + quoted(text) +
                        " (use ms, s, m or h)");
    }
    if (unit < next_unit) {
      return unexpected("units must go from largest to smallest, each at most once, in " +
                        quoted(text));
    }
    next_unit = unit + 1;
    if (count > (kMaxMs - total) / kUnits[unit].ms) return unexpected(too_large(text));
    total += count * kUnits[unit].ms;
  }
  return milliseconds(total);
}

std::string format_duration(milliseconds d) {
  if (d.count() == 0) return "0s";
  std::string out;
  // Unsigned so that even the most negative count can be spelled out.
  std::uint64_t rest = static_cast<std::uint64_t>(d.count());
  if (d.count() < 0) {
    out = "-";
    rest = 0 - rest;
  }
  for (const Unit& unit : kUnits) {
    const auto unit_ms = static_cast<std::uint64_t>(unit.ms);
    if (rest >= unit_ms) {
      out += std::to_string(rest / unit_ms);
      out += unit.name;
      rest %= unit_ms;
    }
  }
  return out;
}

}  // namespace vitalsd
