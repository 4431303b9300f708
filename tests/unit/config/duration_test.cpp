#include "config/duration.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace vitalsd {
namespace {

using std::chrono::milliseconds;

TEST(ParseDuration, AcceptsEveryUnitAndLargestFirstSums) {
  struct Case {
    const char* text;
    milliseconds expected;
  };
  const Case cases[] = {
      {"0s", milliseconds(0)},
      {"0ms", milliseconds(0)},
      {"250ms", milliseconds(250)},
      {"30s", milliseconds(30'000)},
      {"5m", milliseconds(300'000)},
      {"1h", milliseconds(3'600'000)},
      {"1m30s", milliseconds(90'000)},
      {"1h2m3s4ms", milliseconds(3'723'004)},
      {"90s", milliseconds(90'000)},
      {"007s", milliseconds(7'000)},
      {"8760h", milliseconds(8760LL * 3'600'000)},
  };
  for (const Case& c : cases) {
    const auto parsed = parse_duration(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text << ": " << parsed.error();
    EXPECT_EQ(*parsed, c.expected) << c.text;
  }
}

TEST(ParseDuration, RefusesMalformedTextWithAReason) {
  struct Case {
    const char* text;
    const char* reason;
  };
  const Case cases[] = {
      {"", "empty duration (write e.g. \"30s\")"},
      {"30", "missing unit in '30' (use ms, s, m or h)"},
      {"5sec", "unknown unit 'sec' in '5sec' (use ms, s, m or h)"},
      {"5S", "unknown unit 'S' in '5S' (use ms, s, m or h)"},
      {"1d", "unknown unit 'd' in '1d' (use ms, s, m or h)"},
      {"-5s", "negative durations are not allowed: '-5s'"},
      {"1.5s", "fractions are not supported in '1.5s' (write e.g. 1500ms for 1.5s)"},
      {"s", "expected a number before the unit in 's'"},
      {"5 s", "unexpected character ' ' in '5 s'"},
      {" 5s", "unexpected character ' ' in ' 5s'"},
      {"30s1m", "units must go from largest to smallest, each at most once, in '30s1m'"},
      {"1m1m", "units must go from largest to smallest, each at most once, in '1m1m'"},
  };
  for (const Case& c : cases) {
    const auto parsed = parse_duration(c.text);
    ASSERT_FALSE(parsed.has_value()) << '"' << c.text << '"';
    EXPECT_EQ(parsed.error(), c.reason);
  }
}

TEST(ParseDuration, RefusesDurationsBeyondOneYearWithoutOverflowing) {
  for (const char* text : {"8760h1ms", "8761h", "31536000001ms", "99999999999999999999999h",
                           "9223372036854775807ms", "8000h99999999m"}) {
    const auto parsed = parse_duration(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_EQ(parsed.error(),
              "duration '" + std::string(text) + "' is too large (the maximum is 8760h, one year)");
  }
}

TEST(FormatDuration, SpellsLargestUnitsFirstAndRoundTrips) {
  struct Case {
    milliseconds value;
    const char* text;
  };
  const Case cases[] = {
      {milliseconds(0), "0s"},
      {milliseconds(1), "1ms"},
      {milliseconds(1'500), "1s500ms"},
      {milliseconds(30'000), "30s"},
      {milliseconds(90'000), "1m30s"},
      {milliseconds(3'600'000), "1h"},
      {milliseconds(3'723'004), "1h2m3s4ms"},
      {milliseconds(-90'000), "-1m30s"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(format_duration(c.value), c.text);
    if (c.value.count() >= 0) {
      EXPECT_EQ(*parse_duration(c.text), c.value);
    }
  }
}

}  // namespace
}  // namespace vitalsd
