#include "common/time_format.h"

#include <cstdint>

namespace vitalsd {
namespace {

constexpr std::int64_t kMsPerSecond = 1000;
constexpr std::int64_t kMsPerMinute = 60 * kMsPerSecond;
constexpr std::int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr std::int64_t kMsPerDay = 24 * kMsPerHour;

// Civil-date arithmetic in the proleptic Gregorian calendar, after Howard
// Hinnant's "chrono-Compatible Low-Level Date Algorithms". Done by hand rather
// than with timegm/mktime so the result never depends on TZ, the locale or the
// C library's idea of the valid year range.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);                 // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct CivilDate {
  std::int64_t year;
  unsigned month;  // 1-12
  unsigned day;    // 1-31
};

constexpr CivilDate civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);                    // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;                             // [1, 31]
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;                                // [1, 12]
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
  return {y, m, d};
}

static_assert(days_from_civil(1970, 1, 1) == 0);
static_assert(days_from_civil(2000, 3, 1) == 11017);
static_assert(civil_from_days(-1).year == 1969 && civil_from_days(-1).day == 31);

constexpr bool is_leap_year(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned days_in_month(std::int64_t y, unsigned m) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap_year(y) ? 29 : kDays[m - 1];
}

// Four-digit years only: RFC 3339 has no other form, and it keeps the output a
// fixed 24 chars.
constexpr std::int64_t kMinFormattableMs = days_from_civil(0, 1, 1) * kMsPerDay;
constexpr std::int64_t kMaxFormattableMs = days_from_civil(10000, 1, 1) * kMsPerDay - 1;

void put_digits(char* out, std::int64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

// Reads exactly `width` ASCII digits at s[pos]; false if any is not a digit.
bool read_digits(std::string_view s, std::size_t pos, int width, int& value) {
  if (pos + static_cast<std::size_t>(width) > s.size()) return false;
  value = 0;
  for (int i = 0; i < width; ++i) {
    const char c = s[pos + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::size_t format_rfc3339_ms(std::int64_t epoch_ms, char* out) {
  // Out-of-range instants are clamped rather than printed with a 5+ digit or
  // negative year, which no RFC 3339 reader accepts. Accepted readings never
  // get here (their ts lies between 1970 and shortly after now).
  if (epoch_ms < kMinFormattableMs) epoch_ms = kMinFormattableMs;
  if (epoch_ms > kMaxFormattableMs) epoch_ms = kMaxFormattableMs;

  std::int64_t days = epoch_ms / kMsPerDay;
  std::int64_t ms_of_day = epoch_ms % kMsPerDay;
  if (ms_of_day < 0) {  // floor, not truncation, for instants before 1970
    ms_of_day += kMsPerDay;
    days -= 1;
  }
  const CivilDate date = civil_from_days(days);

  put_digits(out, date.year, 4);
  out[4] = '-';
  put_digits(out + 5, date.month, 2);
  out[7] = '-';
  put_digits(out + 8, date.day, 2);
  out[10] = 'T';
  put_digits(out + 11, ms_of_day / kMsPerHour, 2);
  out[13] = ':';
  put_digits(out + 14, ms_of_day / kMsPerMinute % 60, 2);
  out[16] = ':';
  put_digits(out + 17, ms_of_day / kMsPerSecond % 60, 2);
  out[19] = '.';
  put_digits(out + 20, ms_of_day % kMsPerSecond, 3);
  out[23] = 'Z';
  return 24;
}

std::string format_rfc3339_ms(std::int64_t epoch_ms) {
  std::string s(24, '\0');
  format_rfc3339_ms(epoch_ms, s.data());
  return s;
}

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view s) {
  // Fixed layout up to the seconds: "YYYY-MM-DDTHH:MM:SS" (19 chars).
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !read_digits(s, 5, 2, month) ||
      s[7] != '-' || !read_digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !read_digits(s, 11, 2, hour) || s[13] != ':' || !read_digits(s, 14, 2, minute) ||
      s[16] != ':' || !read_digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12) return std::nullopt;
  if (day < 1 || static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month))) {
    return std::nullopt;
  }
  if (hour > 23 || minute > 59 || second > 60) return std::nullopt;

  std::size_t pos = 19;
  int millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t first = pos;
    while (pos < s.size() && is_digit(s[pos])) {
      if (pos - first < 3) millis = millis * 10 + (s[pos] - '0');
      ++pos;
    }
    if (pos == first) return std::nullopt;  // "." needs at least one digit
    for (std::size_t n = pos - first; n < 3; ++n) millis *= 10;
  }

  std::int64_t offset_ms = 0;
  if (pos >= s.size()) return std::nullopt;  // the offset is mandatory
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int off_hour = 0, off_minute = 0;
    if (!read_digits(s, pos + 1, 2, off_hour) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !read_digits(s, pos + 4, 2, off_minute) || off_hour > 23 || off_minute > 59) {
      return std::nullopt;
    }
    // "-00:00" (offset unknown) means the time is UTC, like "Z".
    offset_ms = (off_hour * kMsPerHour + off_minute * kMsPerMinute) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;

  const bool leap_second = second == 60;
  if (leap_second) {
    // A leap second is inserted only as the last second of a UTC day; it is
    // folded into the last representable millisecond of 23:59:59.
    second = 59;
    millis = 999;
  }
  const std::int64_t local_ms =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * kMsPerDay +
      hour * kMsPerHour + minute * kMsPerMinute + second * kMsPerSecond + millis;
  const std::int64_t utc_ms = local_ms - offset_ms;
  if (leap_second) {
    std::int64_t ms_of_day = utc_ms % kMsPerDay;
    if (ms_of_day < 0) ms_of_day += kMsPerDay;
    if (ms_of_day != kMsPerDay - 1) return std::nullopt;
  }
  return utc_ms;
}

}  // namespace vitalsd
