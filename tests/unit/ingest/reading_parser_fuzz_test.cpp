// Seeded random inputs: whatever arrives, the parser returns a Reading that
// keeps every promise of the type, or a Rejection with a short, printable
// detail. Deterministic, so a failure reproduces; the sanitizer build runs the
// same loop.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "common/vitals.h"
#include "ingest/reading_parser.h"

namespace vitalsd {
namespace {

constexpr std::int64_t kNow = 1'763'719'200'000;
constexpr std::int64_t kMaxFutureMs = std::int64_t{5} * 60 * 1000;

const std::string kValid =
    R"({"ts": 1763719200123, "device": "wb-0042", "hr": 72, "spo2": 97, "rr": 16,)"
    R"( "temp": 36.8, "sbp": 121, "dbp": 78, "acvpu": "A", "o2": false})";

// Pieces that steer random text towards the interesting paths: known keys,
// every JSON type, escapes, numbers at the edges of every type.
constexpr std::array<std::string_view, 48> kTokens = {"{",
                                                      "}",
                                                      "[",
                                                      "]",
                                                      ":",
                                                      ",",
                                                      "\"",
                                                      "\"hr\"",
                                                      "\"ts\"",
                                                      "\"o2\"",
                                                      "\"acvpu\"",
                                                      "\"device\"",
                                                      "\"temp\"",
                                                      "\"spo2\"",
                                                      "\"x\"",
                                                      "true",
                                                      "false",
                                                      "null",
                                                      "0",
                                                      "-0",
                                                      "72",
                                                      "-1",
                                                      "1.5",
                                                      "1e999",
                                                      "-1e999",
                                                      "1e-999",
                                                      "01",
                                                      "1.",
                                                      "99999999999999999999",
                                                      "9223372036854775808",
                                                      "18446744073709551616",
                                                      "\"A\"",
                                                      "\"2025-11-21T10:00:00Z\"",
                                                      "\"2016-12-31T23:59:60Z\"",
                                                      "\"\\u0000\"",
                                                      "\"\\ud800\"",
                                                      "\"\\\"\"",
                                                      " ",
                                                      "\n",
                                                      "\xff",
                                                      "\xc3\xa9",
                                                      "\x01",
                                                      "NaN",
                                                      "tru",
                                                      "\"\\",
                                                      "1763719200000",
                                                      "1763719500001",
                                                      "\"é\""};

std::string random_bytes(std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> length(0, 300);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string s(length(rng), '\0');
  for (char& c : s) c = static_cast<char>(byte(rng));
  return s;
}

std::string random_tokens(std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> count(0, 40);
  std::uniform_int_distribution<std::size_t> pick(0, kTokens.size() - 1);
  std::string s;
  for (std::size_t n = count(rng); n > 0; --n) s += kTokens[pick(rng)];
  return s;
}

// Objects of known and unknown keys with edge-case values: reaches every
// reason past the JSON check.
std::string random_object(std::mt19937_64& rng) {
  static constexpr std::array<std::string_view, 13> kKeys = {
      "ts",  "device", "hr", "spo2", "rr", "temp",    "sbp",
      "dbp", "acvpu",  "o2", "x",    "HR", "h\\u0072"};
  static constexpr std::array<std::string_view, 26> kValues = {"0",
                                                               "72",
                                                               "-1",
                                                               "36.8",
                                                               "400",
                                                               "1e999",
                                                               "-0.0",
                                                               "99999999999999999999",
                                                               "true",
                                                               "false",
                                                               "null",
                                                               "\"A\"",
                                                               "\"a\"",
                                                               "\"\"",
                                                               "[]",
                                                               "{}",
                                                               "[1,{\"hr\":1}]",
                                                               "\"2025-11-21T10:00:00Z\"",
                                                               "\"2025-02-29T00:00:00Z\"",
                                                               "1763719200000",
                                                               "1763719500001",
                                                               "1.5e3",
                                                               "9223372036854775808",
                                                               "\"wb-1\"",
                                                               "1e-999",
                                                               "\"1e999\""};
  std::uniform_int_distribution<std::size_t> members(0, 6);
  std::uniform_int_distribution<std::size_t> key(0, kKeys.size() - 1);
  std::uniform_int_distribution<std::size_t> value(0, kValues.size() - 1);
  std::string s = "{";
  for (std::size_t n = members(rng); n > 0; --n) {
    if (s.size() > 1) s += ',';
    s += '"';
    s += kKeys[key(rng)];
    s += "\":";
    s += kValues[value(rng)];
  }
  return s + "}";
}

std::string mutated_valid(std::mt19937_64& rng) {
  std::string s = kValid;
  std::uniform_int_distribution<int> edits(1, 4);
  std::uniform_int_distribution<int> kind(0, 4);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> pick(0, kTokens.size() - 1);
  for (int n = edits(rng); n > 0; --n) {
    std::uniform_int_distribution<std::size_t> pos(0, s.size());
    const std::size_t at = pos(rng);
    switch (kind(rng)) {
      case 0:  // flip a byte
        if (at < s.size()) s[at] = static_cast<char>(byte(rng));
        break;
      case 1:  // insert a byte
        s.insert(at, 1, static_cast<char>(byte(rng)));
        break;
      case 2:  // delete a byte
        if (at < s.size()) s.erase(at, 1);
        break;
      case 3:  // truncate
        s.resize(at);
        break;
      default:  // splice in a token
        s.insert(at, kTokens[pick(rng)]);
        break;
    }
  }
  return s;
}

void expect_promises_kept(const Expected<Reading, Rejection>& r, const std::string& input) {
  if (r.has_value()) {
    const Reading& reading = *r;
    ASSERT_EQ(reading.patient, "p-001");
    ASSERT_EQ(reading.received_ms, kNow);
    ASSERT_GE(reading.ts_ms, 0) << input;
    ASSERT_LE(reading.ts_ms, kNow + kMaxFutureMs) << input;
    ASSERT_LE(reading.device.size(), kMaxDeviceIdLength);
    ASSERT_TRUE(!reading.vitals.empty() || reading.acvpu || reading.o2) << input;
    for (Vital v : kAllVitals) {
      if (!reading.vitals.has(v)) continue;
      const double value = reading.vitals.get(v);
      ASSERT_GE(value, plausible_range(v).min) << input;
      ASSERT_LE(value, plausible_range(v).max) << input;
    }
    return;
  }
  const Rejection& rejection = r.error();
  ASSERT_LT(static_cast<std::size_t>(rejection.reason), kRejectReasonCount);
  ASSERT_NE(rejection.reason, RejectReason::bad_topic);
  ASSERT_NE(rejection.reason, RejectReason::too_large) << "every input is under the limit";
  ASSERT_FALSE(rejection.detail.empty());
  ASSERT_LE(rejection.detail.size(), 300U) << rejection.detail;
  for (char c : rejection.detail) {
    ASSERT_TRUE(c >= 0x20 && c < 0x7f) << rejection.detail;
  }
}

struct Generator {
  const char* name;
  std::string (*make)(std::mt19937_64&);
};

TEST(ReadingParserFuzz, GivenSeededRandomInput_WhenParsed_ThenNeverCrashesAndKeepsPromises) {
  ReadingParser parser;  // one instance throughout: state must not leak between calls
  std::mt19937_64 rng(0x5eed'2025'1121);
  std::array<std::size_t, kRejectReasonCount> rejected{};
  std::size_t accepted = 0;
  for (const Generator& g :
       {Generator{"random bytes", random_bytes}, Generator{"random tokens", random_tokens},
        Generator{"random objects", random_object},
        Generator{"mutated valid payload", mutated_valid}}) {
    SCOPED_TRACE(g.name);
    for (int i = 0; i < 100'000; ++i) {
      const std::string input = g.make(rng);
      const auto r = parser.parse("p-001", input, kNow, 0);
      expect_promises_kept(r, input);
      if (::testing::Test::HasFatalFailure()) return;
      if (r.has_value()) {
        ++accepted;
      } else {
        ++rejected[static_cast<std::size_t>(r.error().reason)];
      }
    }
  }
  // The inputs reached every outcome the parser can produce, so the loop
  // exercised more than the JSON check.
  EXPECT_GT(accepted, 0U);
  for (std::size_t i = 0; i < kRejectReasonCount; ++i) {
    const auto reason = static_cast<RejectReason>(i);
    if (reason == RejectReason::too_large || reason == RejectReason::bad_topic) continue;
    EXPECT_GT(rejected[i], 0U) << reject_reason_name(reason);
  }
  // Finally the parser still parses the real thing.
  EXPECT_TRUE(parser.parse("p-001", kValid, kNow, 0).has_value());
}

}  // namespace
}  // namespace vitalsd
