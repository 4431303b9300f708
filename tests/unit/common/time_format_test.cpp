#include "common/time_format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <ostream>
#include <random>
#include <string>

#include "support/allocation_counter.h"

namespace vitalsd {
namespace {

constexpr std::int64_t kDayMs = 86'400'000;

struct FormatCase {
  std::int64_t epoch_ms;
  const char* text;
};

// Expected values cross-checked with Python's datetime.
const FormatCase kFormatCases[] = {
    {0, "1970-01-01T00:00:00.000Z"},
    {1'795'255'200'123, "2026-11-21T10:00:00.123Z"},
    {1'763'719'200'000, "2025-11-21T10:00:00.000Z"},
    {-1, "1969-12-31T23:59:59.999Z"},
    {-14'182'940'000, "1969-07-20T20:17:40.000Z"},
    {951'825'600'000, "2000-02-29T12:00:00.000Z"},
    {-11'670'998'400'000, "1600-02-29T00:00:00.000Z"},
    {1'483'228'799'999, "2016-12-31T23:59:59.999Z"},
    {-62'135'596'800'000, "0001-01-01T00:00:00.000Z"},
    {-62'167'219'200'000, "0000-01-01T00:00:00.000Z"},
    {253'402'300'799'999, "9999-12-31T23:59:59.999Z"},
};

TEST(FormatRfc3339, GivenKnownInstants_WhenFormatted_ThenPrintsUtcWithMilliseconds) {
  for (const FormatCase& c : kFormatCases) {
    EXPECT_EQ(format_rfc3339_ms(c.epoch_ms), c.text) << c.epoch_ms;
  }
}

TEST(FormatRfc3339, GivenInstantsBeyondFourDigitYears_WhenFormatted_ThenClampsToTheRange) {
  EXPECT_EQ(format_rfc3339_ms(-62'167'219'200'001), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(INT64_MIN), "0000-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(253'402'300'800'000), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339_ms(INT64_MAX), "9999-12-31T23:59:59.999Z");
}

TEST(FormatRfc3339, GivenABuffer_WhenFormatted_ThenWritesExactly24CharsWithoutAllocating) {
  char buf[32];
  std::memset(buf, '#', sizeof buf);
  const testing::AllocationCounter counter;
  const std::size_t n = format_rfc3339_ms(1'795'255'200'123, buf);
  EXPECT_EQ(counter.allocations(), 0U);
  EXPECT_EQ(n, 24U);
  EXPECT_EQ(std::string(buf, n), "2026-11-21T10:00:00.123Z");
  EXPECT_EQ(buf[24], '#') << "writes no NUL or anything past the 24 chars";
}

TEST(ParseRfc3339, GivenFormattedInstants_WhenParsedBack_ThenRoundTrips) {
  for (const FormatCase& c : kFormatCases) {
    EXPECT_EQ(parse_rfc3339_ms(c.text), c.epoch_ms) << c.text;
  }
  // Seeded sweep over the whole four-digit-year range, before and after 1970.
  std::mt19937_64 rng(20261121);
  std::uniform_int_distribution<std::int64_t> any_ms(-62'167'219'200'000, 253'402'300'799'999);
  for (int i = 0; i < 100'000; ++i) {
    const std::int64_t ms = any_ms(rng);
    const std::string text = format_rfc3339_ms(ms);
    ASSERT_EQ(parse_rfc3339_ms(text), ms) << text;
  }
  // Every day boundary around the epoch and a leap day.
  for (std::int64_t day = -800; day <= 800; ++day) {
    for (std::int64_t ms : {day * kDayMs, day * kDayMs - 1}) {
      ASSERT_EQ(parse_rfc3339_ms(format_rfc3339_ms(ms)), ms) << ms;
    }
  }
}

struct ParseCase {
  const char* text;
  std::optional<std::int64_t> epoch_ms;
};

void PrintTo(const ParseCase& c, std::ostream* os) { *os << '"' << c.text << '"'; }

class ParseRfc3339Table : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseRfc3339Table, GivenText_WhenParsed_ThenEpochMsOrNothing) {
  const ParseCase& c = GetParam();
  EXPECT_EQ(parse_rfc3339_ms(c.text), c.epoch_ms) << '"' << c.text << '"';
}

constexpr std::int64_t kBase = 1'763'719'200'000;  // 2025-11-21T10:00:00Z

INSTANTIATE_TEST_SUITE_P(
    Accepted, ParseRfc3339Table,
    ::testing::Values(
        ParseCase{"2025-11-21T10:00:00Z", kBase}, ParseCase{"2025-11-21t10:00:00z", kBase},
        ParseCase{"2025-11-21 10:00:00Z", kBase}, ParseCase{"2025-11-21T10:00:00+00:00", kBase},
        ParseCase{"2025-11-21T10:00:00-00:00", kBase},
        ParseCase{"2025-11-21T11:00:00+01:00", kBase},
        ParseCase{"2025-11-21T05:30:00-04:30", kBase},
        ParseCase{"2025-11-22T09:59:00+23:59", kBase},
        ParseCase{"2025-11-20T10:01:00-23:59", kBase},
        ParseCase{"2025-11-21T10:00:00.1Z", kBase + 100},
        ParseCase{"2025-11-21T10:00:00.12Z", kBase + 120},
        ParseCase{"2025-11-21T10:00:00.123Z", kBase + 123},
        ParseCase{"2025-11-21T10:00:00.1239Z", kBase + 123},  // truncated, not rounded
        ParseCase{"2025-11-21T10:00:00.999999999999Z", kBase + 999},
        ParseCase{"2025-11-21T10:00:00.000000001Z", kBase},
        ParseCase{"2025-11-21T11:00:00.5+01:00", kBase + 500},
        // Leap days: divisible by 4, by 400; day 31 of long months.
        ParseCase{"2024-02-29T00:00:00Z", 1'709'164'800'000},
        ParseCase{"2000-02-29T12:00:00Z", 951'825'600'000},
        ParseCase{"1600-02-29T00:00:00Z", -11'670'998'400'000},
        ParseCase{"2025-12-31T00:00:00Z", 1'767'139'200'000},
        // Before 1970 and the ends of the four-digit range.
        ParseCase{"1969-12-31T23:59:59.999Z", -1},
        ParseCase{"0000-01-01T00:00:00Z", -62'167'219'200'000},
        ParseCase{"9999-12-31T23:59:59.999Z", 253'402'300'799'999},
        // Leap second: only as 23:59:60 UTC, folded into 23:59:59.999.
        ParseCase{"2016-12-31T23:59:60Z", 1'483'228'799'999},
        ParseCase{"2016-12-31T23:59:60.5Z", 1'483'228'799'999},
        ParseCase{"2017-01-01T00:59:60+01:00", 1'483'228'799'999}));

INSTANTIATE_TEST_SUITE_P(
    Rejected, ParseRfc3339Table,
    ::testing::Values(ParseCase{"", std::nullopt}, ParseCase{"2025-11-21", std::nullopt},
                      ParseCase{"2025-11-21T10:00:00", std::nullopt},  // offset is mandatory
                      ParseCase{"2025-11-21T10:00Z", std::nullopt},    // seconds are mandatory
                      ParseCase{"2025-00-21T10:00:00Z", std::nullopt},
                      ParseCase{"2025-13-21T10:00:00Z", std::nullopt},
                      ParseCase{"2025-11-00T10:00:00Z", std::nullopt},
                      ParseCase{"2025-11-31T10:00:00Z", std::nullopt},  // November has 30 days
                      ParseCase{"2025-01-32T10:00:00Z", std::nullopt},
                      ParseCase{"2025-04-31T10:00:00Z", std::nullopt},
                      ParseCase{"2025-02-29T10:00:00Z", std::nullopt},  // not a leap year
                      ParseCase{"1900-02-29T10:00:00Z", std::nullopt},  // divisible by 100, not 400
                      ParseCase{"2100-02-29T10:00:00Z", std::nullopt},
                      ParseCase{"2024-02-30T10:00:00Z", std::nullopt},
                      ParseCase{"2025-11-21T24:00:00Z", std::nullopt},
                      ParseCase{"2025-11-21T10:60:00Z", std::nullopt},
                      ParseCase{"2025-11-21T10:00:61Z", std::nullopt},
                      ParseCase{"2025-11-21T10:00:60Z", std::nullopt},  // no leap second mid-day
                      ParseCase{"2016-12-31T23:59:60+01:00", std::nullopt},  // 22:59:60 UTC
                      ParseCase{"2025-11-21T10:00:00.Z", std::nullopt},
                      ParseCase{"2025-11-21T10:00:00,123Z", std::nullopt},
                      ParseCase{"2025-11-21T10:00:00+01", std::nullopt},
                      ParseCase{"2025-11-21T10:00:00+0100", std::nullopt},
                      ParseCase{"2025-11-21T10:00:00+24:00", std::nullopt},
                      ParseCase{"2025-11-21T10:00:00+01:60", std::nullopt},
                      ParseCase{"2025-11-21T10:00:00+01:00:00", std::nullopt},
                      ParseCase{"2025-11-21T10:00:00ZZ", std::nullopt},
                      ParseCase{"2025-11-21T10:00:00Z ", std::nullopt},
                      ParseCase{" 2025-11-21T10:00:00Z", std::nullopt},
                      ParseCase{"2025-11-21X10:00:00Z", std::nullopt},
                      ParseCase{"2025/11/21T10:00:00Z", std::nullopt},
                      ParseCase{"25-11-21T10:00:00Z", std::nullopt},
                      ParseCase{"02025-11-21T10:00:00Z", std::nullopt},
                      ParseCase{"-2025-11-21T10:00:00Z", std::nullopt},
                      ParseCase{"2025-1-21T10:00:00Z", std::nullopt},
                      ParseCase{"2025-11-21T1:00:00Z", std::nullopt},
                      ParseCase{"2025-11-21T10:00:00UTC", std::nullopt},
                      ParseCase{"２０２５-11-21T10:00:00Z", std::nullopt},  // full-width digits
                      ParseCase{"1763719200000", std::nullopt}));

}  // namespace
}  // namespace vitalsd
