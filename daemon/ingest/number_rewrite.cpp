#include "ingest/number_rewrite.h"

#include <charconv>
#include <cstring>
#include <string_view>
#include <system_error>

namespace vitalsd::ingest_detail {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_number_char(char c) {
  return is_digit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// The parts of a token that matches the JSON number grammar (RFC 8259 §6):
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
struct NumberToken {
  bool negative = false;
  std::string_view integer;   // digits before any '.'
  std::string_view fraction;  // digits after '.', may be empty
  std::string_view exponent;  // digits after e/E and sign, may be empty
  bool exponent_negative = false;
  bool has_fraction_or_exponent = false;
};

bool split_json_number(std::string_view s, NumberToken& t) {
  std::size_t i = 0;
  auto digits_from = [&](std::size_t start) {
    std::size_t j = start;
    while (j < s.size() && is_digit(s[j])) ++j;
    return j;
  };
  if (i < s.size() && s[i] == '-') {
    t.negative = true;
    ++i;
  }
  std::size_t end = digits_from(i);
  if (end == i || (s[i] == '0' && end - i > 1)) return false;
  t.integer = s.substr(i, end - i);
  i = end;
  if (i < s.size() && s[i] == '.') {
    end = digits_from(i + 1);
    if (end == i + 1) return false;
    t.fraction = s.substr(i + 1, end - i - 1);
    t.has_fraction_or_exponent = true;
    i = end;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
      t.exponent_negative = s[i] == '-';
      ++i;
    }
    end = digits_from(i);
    if (end == i) return false;
    t.exponent = s.substr(i, end - i);
    t.has_fraction_or_exponent = true;
    i = end;
  }
  return i == s.size();
}

// from_chars reports overflow and underflow alike as result_out_of_range; only
// overflow makes simdjson fail (it reads underflow as 0). Decide by the decimal
// magnitude: an underflowing number is below 1e-300, an overflowing one above 1e300.
bool overflows_double(const NumberToken& t) {
  std::int64_t magnitude = 0;
  const std::size_t lead = t.integer.find_first_not_of('0');
  if (lead != std::string_view::npos) {
    magnitude = static_cast<std::int64_t>(t.integer.size() - 1 - lead);
  } else {
    const std::size_t frac_lead = t.fraction.find_first_not_of('0');
    if (frac_lead == std::string_view::npos) return false;  // the number is zero
    magnitude = -static_cast<std::int64_t>(frac_lead + 1);
  }
  std::int64_t exponent = 0;
  for (char c : t.exponent) {  // saturate: only the sign of the sum matters
    exponent = exponent * 10 + (c - '0');
    if (exponent > 1'000'000'000) break;
  }
  return magnitude + (t.exponent_negative ? -exponent : exponent) > 0;
}

// Writes `value` as "<digits>e<exp>" (the shortest round-tripping digits), padded
// with spaces to exactly `width` chars. False if it does not fit.
bool write_exponent_form(double value, char* out, std::size_t width) {
  char sci[32];
  const auto res = std::to_chars(sci, sci + sizeof sci, value, std::chars_format::scientific);
  if (res.ec != std::errc{}) return false;
  // sci is "[-]d[.ddd]e[+-]XX".
  const std::string_view s(sci, static_cast<std::size_t>(res.ptr - sci));
  const std::size_t e = s.find('e');
  if (e == std::string_view::npos) return false;
  int exp10 = 0;
  const char* exp_begin = s.data() + e + 1;
  if (*exp_begin == '+') ++exp_begin;
  if (std::from_chars(exp_begin, s.data() + s.size(), exp10).ec != std::errc{}) return false;

  char digits[32];
  std::size_t n = 0;
  std::size_t fraction_digits = 0;
  bool after_point = false;
  for (std::size_t i = 0; i < e; ++i) {
    if (s[i] == '.') {
      after_point = true;
    } else {
      digits[n++] = s[i];
      if (after_point) ++fraction_digits;
    }
  }
  exp10 -= static_cast<int>(fraction_digits);

  char formatted[48];
  std::memcpy(formatted, digits, n);
  formatted[n++] = 'e';
  const auto exp_res = std::to_chars(formatted + n, formatted + sizeof formatted, exp10);
  n = static_cast<std::size_t>(exp_res.ptr - formatted);
  if (n > width) return false;
  std::memcpy(out, formatted, n);
  std::memset(out + n, ' ', width - n);
  return true;
}

// Rewrites one token if simdjson cannot store it; returns what it did.
enum class Outcome { untouched, became_double, became_null };

Outcome rewrite_token(char* token, std::size_t length) {
  const std::string_view s(token, length);
  NumberToken t;
  if (!split_json_number(s, t)) return Outcome::untouched;  // malformed: simdjson says so

  const char* end = token + length;
  if (!t.has_fraction_or_exponent) {
    std::int64_t i64 = 0;
    std::uint64_t u64 = 0;
    const bool fits = t.negative ? std::from_chars(token, end, i64).ec == std::errc{}
                                 : std::from_chars(token, end, u64).ec == std::errc{};
    if (fits) return Outcome::untouched;
  }
  double value = 0;
  const auto res = std::from_chars(token, end, value);
  if (res.ec == std::errc{}) {
    if (t.has_fraction_or_exponent) return Outcome::untouched;
    return write_exponent_form(value, token, length) ? Outcome::became_double : Outcome::untouched;
  }
  if (!overflows_double(t)) return Outcome::untouched;
  // The shortest overflowing token, "1e309", has 5 chars, so `null` always fits.
  constexpr char kNull[] = {'n', 'u', 'l', 'l'};
  std::memcpy(token, kNull, sizeof kNull);
  std::memset(token + sizeof kNull, ' ', length - sizeof kNull);
  return Outcome::became_null;
}

}  // namespace

NumberRewrites rewrite_unrepresentable_numbers(char* json, std::size_t length) {
  NumberRewrites out;
  // A small lexer: enough structure to skip strings and to know when a number
  // is the value of a member of the top-level object. On invalid JSON it may
  // misjudge, which is harmless: simdjson rejects the rewritten document too.
  std::size_t depth = 0;
  bool top_is_object = false;
  std::size_t top_members = 0;  // ':' seen at depth 1 of the top-level object
  bool after_top_colon = false;

  for (std::size_t i = 0; i < length; ++i) {
    const char c = json[i];
    switch (c) {
      case '"':
        for (++i; i < length && json[i] != '"'; ++i) {
          if (json[i] == '\\') ++i;
        }
        after_top_colon = false;
        break;
      case '{':
      case '[':
        if (depth == 0) top_is_object = c == '{';
        ++depth;
        after_top_colon = false;
        break;
      case '}':
      case ']':
        if (depth > 0) --depth;
        after_top_colon = false;
        break;
      case ':':
        after_top_colon = depth == 1 && top_is_object;
        if (after_top_colon) ++top_members;
        break;
      case ' ':
      case '\t':
      case '\n':
      case '\r':
        break;
      default:
        if (c == '-' || is_digit(c)) {
          std::size_t end = i;
          while (end < length && is_number_char(json[end])) ++end;
          const Outcome outcome = rewrite_token(json + i, end - i);
          if (outcome != Outcome::untouched) {
            ++out.total;
            if (after_top_colon && out.recorded < NumberRewrites::kMaxRecorded) {
              out.members[out.recorded++] =
                  RewrittenMember{top_members - 1,
                                  outcome == Outcome::became_null ? NumberRewriteKind::beyond_double
                                                                  : NumberRewriteKind::beyond_int64,
                                  i, end - i};
            }
          }
          i = end - 1;
        }
        after_top_colon = false;
        break;
    }
  }
  return out;
}

}  // namespace vitalsd::ingest_detail
