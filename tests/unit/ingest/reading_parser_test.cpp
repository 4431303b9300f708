#include "ingest/reading_parser.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "common/time_format.h"
#include "common/vitals.h"

namespace vitalsd {
namespace {

constexpr std::int64_t kNow = 1'763'719'200'000;  // 2025-11-21T10:00:00.000Z, receive time
constexpr std::int64_t kNowMono = 987'654'321;
constexpr std::int64_t kFiveMinutes = std::int64_t{5} * 60 * 1000;

Expected<Reading, Rejection> parse(std::string_view payload, ReadingParserLimits limits = {}) {
  ReadingParser parser(limits);
  return parser.parse("p-001", payload, kNow, kNowMono);
}

std::string describe(const Expected<Reading, Rejection>& r) {
  if (r.has_value()) return "accepted";
  return fmt::format("{}: {}", reject_reason_name(r.error().reason), r.error().detail);
}

// ---------------------------------------------------------------------------
// Accepted payloads

TEST(ReadingParser, GivenTheSpecExample_WhenParsed_ThenEveryFieldIsCarried) {
  const auto r = parse(R"({"ts": 1763719200123, "device": "wb-0042",
      "hr": 72, "spo2": 97, "rr": 16, "temp": 36.8, "sbp": 121, "dbp": 78,
      "acvpu": "A", "o2": false})");
  ASSERT_TRUE(r.has_value()) << describe(r);
  EXPECT_EQ(r->patient, "p-001");
  EXPECT_EQ(r->device, "wb-0042");
  EXPECT_EQ(r->ts_ms, 1'763'719'200'123);
  EXPECT_EQ(r->received_ms, kNow);
  EXPECT_EQ(r->received_mono_ns, kNowMono);
  EXPECT_EQ(r->vitals.find(Vital::hr), 72.0);
  EXPECT_EQ(r->vitals.find(Vital::spo2), 97.0);
  EXPECT_EQ(r->vitals.find(Vital::rr), 16.0);
  EXPECT_EQ(r->vitals.find(Vital::temp), 36.8);
  EXPECT_EQ(r->vitals.find(Vital::sbp), 121.0);
  EXPECT_EQ(r->vitals.find(Vital::dbp), 78.0);
  EXPECT_EQ(r->acvpu, Acvpu::A);
  EXPECT_EQ(r->o2, false);
}

TEST(ReadingParser, GivenOnlySomeFields_WhenParsed_ThenTheOthersAreAbsentAndTsIsReceiveTime) {
  const auto r = parse(R"({"hr": 80})");
  ASSERT_TRUE(r.has_value()) << describe(r);
  EXPECT_EQ(r->ts_ms, kNow);
  EXPECT_TRUE(r->device.empty());
  EXPECT_EQ(r->vitals.find(Vital::hr), 80.0);
  for (Vital v : {Vital::spo2, Vital::rr, Vital::temp, Vital::sbp, Vital::dbp}) {
    EXPECT_FALSE(r->vitals.has(v)) << vital_name(v);
  }
  EXPECT_FALSE(r->acvpu.has_value());
  EXPECT_FALSE(r->o2.has_value());
}

struct AcceptCase {
  const char* name;
  std::string payload;
  void (*check)(const Reading&);
};

void PrintTo(const AcceptCase& c, std::ostream* os) { *os << c.name; }

class ReadingParserAccepts : public ::testing::TestWithParam<AcceptCase> {};

TEST_P(ReadingParserAccepts, GivenAValidPayload_WhenParsed_ThenYieldsTheReading) {
  const auto r = parse(GetParam().payload);
  ASSERT_TRUE(r.has_value()) << describe(r) << "\npayload: " << GetParam().payload;
  GetParam().check(*r);
}

std::string case_name(const auto& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(
    All, ReadingParserAccepts,
    ::testing::Values(
        AcceptCase{"OnlyO2", R"({"o2":true})", [](const Reading& r) { EXPECT_EQ(r.o2, true); }},
        AcceptCase{"OnlyAcvpu", R"({"acvpu":"U"})",
                   [](const Reading& r) { EXPECT_EQ(r.acvpu, Acvpu::U); }},
        AcceptCase{"EveryAcvpuLetterC", R"({"acvpu":"C"})",
                   [](const Reading& r) { EXPECT_EQ(r.acvpu, Acvpu::C); }},
        AcceptCase{"EveryAcvpuLetterV", R"({"acvpu":"V"})",
                   [](const Reading& r) { EXPECT_EQ(r.acvpu, Acvpu::V); }},
        AcceptCase{"EveryAcvpuLetterP", R"({"acvpu":"P"})",
                   [](const Reading& r) { EXPECT_EQ(r.acvpu, Acvpu::P); }},
        AcceptCase{"FloatVitals", R"({"hr":72.5,"temp":36.85,"spo2":96.0})",
                   [](const Reading& r) {
                     EXPECT_EQ(r.vitals.get(Vital::hr), 72.5);
                     EXPECT_EQ(r.vitals.get(Vital::temp), 36.85);
                     EXPECT_EQ(r.vitals.get(Vital::spo2), 96.0);
                   }},
        AcceptCase{"ExponentVital", R"({"sbp":1.2e2})",
                   [](const Reading& r) { EXPECT_EQ(r.vitals.get(Vital::sbp), 120.0); }},
        AcceptCase{"NegativeZeroIsZero", R"({"hr":-0.0})",
                   [](const Reading& r) {
                     EXPECT_EQ(r.vitals.get(Vital::hr), 0.0);
                     EXPECT_FALSE(std::signbit(r.vitals.get(Vital::hr)));
                   }},
        AcceptCase{"UnderflowIsZero", R"({"hr":1e-400})",
                   [](const Reading& r) { EXPECT_EQ(r.vitals.get(Vital::hr), 0.0); }},
        AcceptCase{"UnknownFieldsOfEveryKindIgnored",
                   R"({"x":1,"y":"s","z":[1,[2,{"a":null}]],"w":{"hr":"nested is not hr"},
                       "n":null,"b":true,"HR":"case matters","hr":70})",
                   [](const Reading& r) { EXPECT_EQ(r.vitals.get(Vital::hr), 70.0); }},
        AcceptCase{"UnknownFieldBeyondDoubleIgnored", R"({"x":1e999,"y":[-1e999],"hr":70})",
                   [](const Reading& r) { EXPECT_EQ(r.vitals.get(Vital::hr), 70.0); }},
        AcceptCase{"UnknownFieldBigIntegerIgnored",
                   R"({"x":123456789012345678901234567890,"hr":70})",
                   [](const Reading& r) { EXPECT_EQ(r.vitals.get(Vital::hr), 70.0); }},
        AcceptCase{"NumbersInsideStringsAreText", R"({"device":"1e999","hr":70})",
                   [](const Reading& r) { EXPECT_EQ(r.device, "1e999"); }},
        AcceptCase{"EscapedKeyIsTheSameKey", R"({"h\u0072":70})",
                   [](const Reading& r) { EXPECT_EQ(r.vitals.get(Vital::hr), 70.0); }},
        AcceptCase{"WhitespaceAround", " \t\r\n{ \"hr\" : 70 }\n ",
                   [](const Reading& r) { EXPECT_EQ(r.vitals.get(Vital::hr), 70.0); }},
        AcceptCase{"DeviceOf64Bytes", R"({"device":")" + std::string(64, 'd') + R"(","hr":70})",
                   [](const Reading& r) { EXPECT_EQ(r.device.size(), 64U); }},
        AcceptCase{"DeviceWithUnicode", R"({"device":"gerät-\u00e9","hr":70})",
                   [](const Reading& r) { EXPECT_EQ(r.device, "gerät-é"); }},
        AcceptCase{"EmptyDevice", R"({"device":"","hr":70})",
                   [](const Reading& r) { EXPECT_TRUE(r.device.empty()); }},
        AcceptCase{"TsZero", R"({"ts":0,"hr":70})",
                   [](const Reading& r) { EXPECT_EQ(r.ts_ms, 0); }},
        AcceptCase{"TsNegativeZeroInteger", R"({"ts":-0,"hr":70})",
                   [](const Reading& r) { EXPECT_EQ(r.ts_ms, 0); }},
        AcceptCase{"TsRfc3339Z", R"({"ts":"2025-11-21T09:59:00Z","hr":70})",
                   [](const Reading& r) { EXPECT_EQ(r.ts_ms, kNow - 60'000); }},
        AcceptCase{"TsRfc3339Fraction", R"({"ts":"2025-11-21T09:59:00.123456Z","hr":70})",
                   [](const Reading& r) { EXPECT_EQ(r.ts_ms, kNow - 60'000 + 123); }},
        AcceptCase{"TsRfc3339Offset", R"({"ts":"2025-11-21T10:59:00+01:00","hr":70})",
                   [](const Reading& r) { EXPECT_EQ(r.ts_ms, kNow - 60'000); }},
        AcceptCase{"TsRfc3339NegativeOffset", R"({"ts":"2025-11-21T04:29:00-05:30","hr":70})",
                   [](const Reading& r) { EXPECT_EQ(r.ts_ms, kNow - 60'000); }},
        AcceptCase{"TsRfc3339Lowercase", R"({"ts":"2025-11-21t09:59:00z","hr":70})",
                   [](const Reading& r) { EXPECT_EQ(r.ts_ms, kNow - 60'000); }},
        AcceptCase{"TsRfc3339LeapSecond", R"({"ts":"2016-12-31T23:59:60Z","hr":70})",
                   [](const Reading& r) { EXPECT_EQ(r.ts_ms, 1'483'228'799'999); }},
        AcceptCase{"TsRfc3339LeapDay", R"({"ts":"2024-02-29T00:00:00Z","hr":70})",
                   [](const Reading& r) { EXPECT_EQ(r.ts_ms, 1'709'164'800'000); }},
        AcceptCase{"TsAfterVitals", R"({"hr":70,"ts":1763719100000})",
                   [](const Reading& r) { EXPECT_EQ(r.ts_ms, 1'763'719'100'000); }}),
    [](const auto& info) { return case_name(info); });

// ---------------------------------------------------------------------------
// Rejected payloads

struct RejectCase {
  const char* name;
  std::string payload;
  RejectReason reason;
  std::string detail;  // must occur in Rejection::detail
};

void PrintTo(const RejectCase& c, std::ostream* os) { *os << c.name; }

class ReadingParserRejects : public ::testing::TestWithParam<RejectCase> {};

TEST_P(ReadingParserRejects, GivenAnInvalidPayload_WhenParsed_ThenRejectedWithReasonAndDetail) {
  const RejectCase& c = GetParam();
  const auto r = parse(c.payload);
  ASSERT_FALSE(r.has_value()) << "payload: " << c.payload;
  EXPECT_EQ(reject_reason_name(r.error().reason), reject_reason_name(c.reason))
      << r.error().detail << "\npayload: " << c.payload;
  EXPECT_NE(r.error().detail.find(c.detail), std::string::npos)
      << "detail: " << r.error().detail << "\nwanted: " << c.detail;
}

INSTANTIATE_TEST_SUITE_P(
    MalformedJson, ReadingParserRejects,
    ::testing::Values(
        RejectCase{"Empty", "", RejectReason::malformed_json, "empty"},
        RejectCase{"OnlyWhitespace", " \n\t ", RejectReason::malformed_json, "empty"},
        RejectCase{"Unclosed", R"({"hr":70)", RejectReason::malformed_json, "invalid JSON"},
        RejectCase{"TrailingComma", R"({"hr":70,})", RejectReason::malformed_json, ""},
        RejectCase{"BadAtomInUnknownField", R"({"hr":70,"x":tru})", RejectReason::malformed_json,
                   "invalid JSON"},
        RejectCase{"BadAtomInNestedUnknownField", R"({"hr":70,"x":[{"y":nul}]})",
                   RejectReason::malformed_json, ""},
        RejectCase{"SingleQuotes", "{'hr':70}", RejectReason::malformed_json, ""},
        RejectCase{"UnquotedKey", "{hr:70}", RejectReason::malformed_json, ""},
        RejectCase{"TwoDocuments", R"({"hr":70}{"hr":71})", RejectReason::malformed_json, ""},
        RejectCase{"TrailingGarbage", R"({"hr":70} x)", RejectReason::malformed_json, ""},
        RejectCase{"BareNaN", R"({"hr":NaN})", RejectReason::malformed_json, ""},
        RejectCase{"BareInfinity", R"({"hr":Infinity})", RejectReason::malformed_json, ""},
        RejectCase{"LeadingZero", R"({"hr":070})", RejectReason::malformed_json, "number"},
        RejectCase{"DanglingPoint", R"({"hr":70.})", RejectReason::malformed_json, "number"},
        RejectCase{"LoneMinus", R"({"hr":-})", RejectReason::malformed_json, "number"},
        RejectCase{"PlusSign", R"({"hr":+70})", RejectReason::malformed_json, ""},
        RejectCase{"Hex", R"({"hr":0x46})", RejectReason::malformed_json, ""},
        RejectCase{"BadNumberBesideHugeOne", R"({"hr":1e999,"spo2":01})",
                   RejectReason::malformed_json, "number"},
        RejectCase{"HugeNumberThenBadAtom", R"({"hr":1e999,"x":tru})", RejectReason::malformed_json,
                   ""},
        RejectCase{"RawControlCharInString", "{\"device\":\"a\x01b\",\"hr\":70}",
                   RejectReason::malformed_json, ""},
        RejectCase{"BadEscape", R"({"device":"a\qb","hr":70})", RejectReason::malformed_json, ""},
        RejectCase{"LoneSurrogateEscape", R"({"device":"\ud800","hr":70})",
                   RejectReason::malformed_json, ""},
        RejectCase{"InvalidUtf8InValue", "{\"device\":\"\xff\xfe\",\"hr\":70}",
                   RejectReason::malformed_json, "UTF-8"},
        RejectCase{"InvalidUtf8InUnknownKey", "{\"\xc3\x28\":1,\"hr\":70}",
                   RejectReason::malformed_json, "UTF-8"},
        RejectCase{"OverlongUtf8", "{\"device\":\"\xc0\xaf\",\"hr\":70}",
                   RejectReason::malformed_json, "UTF-8"},
        RejectCase{"Utf8Bom", "\xef\xbb\xbf{\"hr\":70}", RejectReason::malformed_json, ""},
        RejectCase{"NulByte", std::string("{\"hr\":70}\0", 10), RejectReason::malformed_json, ""},
        RejectCase{"Array", "[1,2,3]", RejectReason::malformed_json, "array, not an object"},
        RejectCase{"EmptyArray", "[]", RejectReason::malformed_json, "array"},
        RejectCase{"ArrayOfReading", R"([{"hr":70}])", RejectReason::malformed_json, "array"},
        RejectCase{"Number", "72", RejectReason::malformed_json, "number, not an object"},
        RejectCase{"HugeNumber", "1e999", RejectReason::malformed_json, "not an object"},
        RejectCase{"String", R"("hr")", RejectReason::malformed_json, "string"},
        RejectCase{"Null", "null", RejectReason::malformed_json, "null"},
        RejectCase{"True", "true", RejectReason::malformed_json, "boolean"}),
    [](const auto& info) { return case_name(info); });

INSTANTIATE_TEST_SUITE_P(
    BadValue, ReadingParserRejects,
    ::testing::Values(
        RejectCase{"HrString", R"({"hr":"72"})", RejectReason::bad_value,
                   "field 'hr' must be a number, got string"},
        RejectCase{"HrBool", R"({"hr":true})", RejectReason::bad_value, "got boolean"},
        RejectCase{"HrArray", R"({"hr":[72]})", RejectReason::bad_value, "got array"},
        RejectCase{"HrObject", R"({"hr":{"v":72}})", RejectReason::bad_value, "got object"},
        RejectCase{"HrStringNaN", R"({"hr":"NaN"})", RejectReason::bad_value, "'hr'"},
        RejectCase{"SpO2String", R"({"spo2":"97"})", RejectReason::bad_value, "'spo2'"},
        RejectCase{"RrBool", R"({"rr":false})", RejectReason::bad_value, "'rr'"},
        RejectCase{"TempString", R"({"temp":"36.8"})", RejectReason::bad_value, "'temp'"},
        RejectCase{"SbpArray", R"({"sbp":[120,80]})", RejectReason::bad_value, "'sbp'"},
        RejectCase{"DbpString", R"({"dbp":"80"})", RejectReason::bad_value, "'dbp'"},
        RejectCase{"O2Number", R"({"o2":1})", RejectReason::bad_value,
                   "field 'o2' must be a boolean, got number"},
        RejectCase{"O2String", R"({"o2":"true"})", RejectReason::bad_value, "'o2'"},
        RejectCase{"AcvpuNumber", R"({"acvpu":5})", RejectReason::bad_value,
                   "field 'acvpu' must be one of"},
        RejectCase{"AcvpuLowercase", R"({"acvpu":"a"})", RejectReason::bad_value,
                   R"(acvpu="a" is not one of A, C, V, P, U)"},
        RejectCase{"AcvpuWord", R"({"acvpu":"Alert"})", RejectReason::bad_value, "\"Alert\""},
        RejectCase{"AcvpuEmpty", R"({"acvpu":""})", RejectReason::bad_value, "acvpu=\"\""},
        RejectCase{"AcvpuControlCharEscaped", R"({"acvpu":"A\n"})", RejectReason::bad_value,
                   R"(acvpu="A\x0a")"},
        RejectCase{"DeviceNumber", R"({"device":7,"hr":70})", RejectReason::bad_value,
                   "field 'device' must be a string, got number"},
        RejectCase{"DeviceTooLong", R"({"device":")" + std::string(65, 'd') + R"(","hr":70})",
                   RejectReason::bad_value, "device is 65 bytes, max 64"},
        RejectCase{"TsBool", R"({"ts":true,"hr":70})", RejectReason::bad_value,
                   "field 'ts' must be an integer or an RFC 3339 string, got boolean"},
        RejectCase{"TsArray", R"({"ts":[1],"hr":70})", RejectReason::bad_value, "'ts'"},
        RejectCase{"HrNull", R"({"hr":null})", RejectReason::bad_value, "field 'hr' is null"},
        RejectCase{"O2Null", R"({"o2":null,"hr":70})", RejectReason::bad_value, "'o2' is null"},
        RejectCase{"AcvpuNull", R"({"acvpu":null,"hr":70})", RejectReason::bad_value,
                   "'acvpu' is null"},
        RejectCase{"DeviceNull", R"({"device":null,"hr":70})", RejectReason::bad_value,
                   "'device' is null"},
        RejectCase{"TsNull", R"({"ts":null,"hr":70})", RejectReason::bad_value, "'ts' is null"},
        RejectCase{"DuplicateHr", R"({"hr":70,"hr":71})", RejectReason::bad_value,
                   "duplicate field 'hr'"},
        RejectCase{"DuplicateHrSameValue", R"({"hr":70,"hr":70})", RejectReason::bad_value,
                   "duplicate field 'hr'"},
        RejectCase{"DuplicateViaEscape", R"({"hr":70,"h\u0072":71})", RejectReason::bad_value,
                   "duplicate field 'hr'"},
        RejectCase{"DuplicateO2", R"({"o2":true,"hr":70,"o2":false})", RejectReason::bad_value,
                   "duplicate field 'o2'"},
        RejectCase{"DuplicateTs", R"({"ts":1,"hr":70,"ts":2})", RejectReason::bad_value,
                   "duplicate field 'ts'"},
        RejectCase{"DuplicateDevice", R"({"device":"a","device":"a","hr":70})",
                   RejectReason::bad_value, "duplicate field 'device'"},
        RejectCase{"HrBeyondDouble", R"({"hr":1e999})", RejectReason::bad_value,
                   "hr=1e999 does not fit a double"},
        RejectCase{"TempBeyondDoubleNegative", R"({"temp":-1e999})", RejectReason::bad_value,
                   "temp=-1e999 does not fit a double"},
        RejectCase{"SbpJustBeyondDouble", R"({"sbp":1.7976931348623159e308})",
                   RejectReason::bad_value, "does not fit a double"},
        RejectCase{"HugeIntegerBeyondDoubleIsTruncatedInDetail",
                   R"({"hr":)" + std::string(400, '9') + "}", RejectReason::bad_value,
                   "hr=" + std::string(64, '9') + "... does not fit a double"},
        RejectCase{"TsBeyondDouble", R"({"ts":1e999,"hr":70})", RejectReason::bad_value,
                   "ts=1e999 does not fit a double"},
        RejectCase{"O2BeyondDouble", R"({"o2":1e999,"hr":70})", RejectReason::bad_value,
                   "o2=1e999 does not fit a double"},
        RejectCase{"BeyondDoubleAmongWhitespace", "{ \"hr\" :\n 1E+400 \n}",
                   RejectReason::bad_value, "hr=1E+400 does"}),
    [](const auto& info) { return case_name(info); });

INSTANTIATE_TEST_SUITE_P(
    BadTimestamp, ReadingParserRejects,
    ::testing::Values(
        RejectCase{"Negative", R"({"ts":-1,"hr":70})", RejectReason::bad_timestamp,
                   "ts=-1 is negative"},
        RejectCase{"Fraction", R"({"ts":1763719200000.5,"hr":70})", RejectReason::bad_timestamp,
                   "must be an integer"},
        RejectCase{"WholeFloat", R"({"ts":1763719200000.0,"hr":70})", RejectReason::bad_timestamp,
                   "must be an integer"},
        RejectCase{"Exponent", R"({"ts":1.7637192e12,"hr":70})", RejectReason::bad_timestamp,
                   "must be an integer"},
        RejectCase{"BeyondInt64", R"({"ts":9223372036854775808,"hr":70})",
                   RejectReason::bad_timestamp, "ts=9223372036854775808 is beyond the int64 range"},
        RejectCase{"BeyondUint64", R"({"ts":99999999999999999999,"hr":70})",
                   RejectReason::bad_timestamp,
                   "ts=99999999999999999999 is beyond the int64 range"},
        RejectCase{"NegativeBeyondInt64", R"({"ts":-9223372036854775809,"hr":70})",
                   RejectReason::bad_timestamp, "beyond the int64 range"},
        RejectCase{"NotADate", R"({"ts":"yesterday","hr":70})", RejectReason::bad_timestamp,
                   R"(ts="yesterday" is not an RFC 3339 date-time)"},
        RejectCase{"EmptyString", R"({"ts":"","hr":70})", RejectReason::bad_timestamp,
                   "not an RFC 3339"},
        RejectCase{"EpochAsString", R"({"ts":"1763719200000","hr":70})",
                   RejectReason::bad_timestamp, "not an RFC 3339"},
        RejectCase{"Month13", R"({"ts":"2025-13-01T00:00:00Z","hr":70})",
                   RejectReason::bad_timestamp, "not an RFC 3339"},
        RejectCase{"Month00", R"({"ts":"2025-00-01T00:00:00Z","hr":70})",
                   RejectReason::bad_timestamp, "not an RFC 3339"},
        RejectCase{"Day32", R"({"ts":"2025-01-32T00:00:00Z","hr":70})", RejectReason::bad_timestamp,
                   "not an RFC 3339"},
        RejectCase{"April31", R"({"ts":"2025-04-31T00:00:00Z","hr":70})",
                   RejectReason::bad_timestamp, "not an RFC 3339"},
        RejectCase{"Feb29NonLeapYear", R"({"ts":"2025-02-29T00:00:00Z","hr":70})",
                   RejectReason::bad_timestamp, "not an RFC 3339"},
        RejectCase{"Feb29Year1900", R"({"ts":"1900-02-29T00:00:00Z","hr":70})",
                   RejectReason::bad_timestamp, "not an RFC 3339"},
        RejectCase{"NoOffset", R"({"ts":"2025-11-21T10:00:00","hr":70})",
                   RejectReason::bad_timestamp, "not an RFC 3339"},
        RejectCase{"Second61", R"({"ts":"2025-11-21T10:00:61Z","hr":70})",
                   RejectReason::bad_timestamp, "not an RFC 3339"},
        RejectCase{"Before1970", R"({"ts":"1969-12-31T23:59:59Z","hr":70})",
                   RejectReason::bad_timestamp, "is before 1970"},
        RejectCase{"LongStringTruncated", R"({"ts":")" + std::string(500, 'x') + R"(","hr":70})",
                   RejectReason::bad_timestamp, R"(ts=")" + std::string(64, 'x') + R"("...)"}),
    [](const auto& info) { return case_name(info); });

INSTANTIATE_TEST_SUITE_P(
    NoVitals, ReadingParserRejects,
    ::testing::Values(
        RejectCase{"EmptyObject", "{}", RejectReason::no_vitals,
                   "none of hr, spo2, rr, temp, sbp, dbp, acvpu, o2"},
        RejectCase{"OnlyTsAndDevice", R"({"ts":1763719200000,"device":"wb-1"})",
                   RejectReason::no_vitals, "none of"},
        RejectCase{"OnlyUnknown", R"({"heart_rate":70,"HR":70})", RejectReason::no_vitals, ""},
        RejectCase{"VitalsOnlyNested", R"({"data":{"hr":70}})", RejectReason::no_vitals, ""}),
    [](const auto& info) { return case_name(info); });

INSTANTIATE_TEST_SUITE_P(
    Implausible, ReadingParserRejects,
    ::testing::Values(RejectCase{"Hr400", R"({"hr":400})", RejectReason::implausible,
                                 "hr=400 outside 0-350"},
                      RejectCase{"TempFraction", R"({"temp":45.5})", RejectReason::implausible,
                                 "temp=45.5 outside 20-45"},
                      RejectCase{"HrBigIntegerFitsDouble", R"({"hr":99999999999999999999})",
                                 RejectReason::implausible, "hr=1e+20 outside 0-350"},
                      RejectCase{"HrUint64", R"({"hr":18446744073709551615})",
                                 RejectReason::implausible, "outside 0-350"},
                      RejectCase{"HrMostNegativeInt64", R"({"hr":-9223372036854775808})",
                                 RejectReason::implausible, "outside 0-350"}),
    [](const auto& info) { return case_name(info); });

const std::string kFutureTs = std::to_string(kNow + kFiveMinutes + 1);

INSTANTIATE_TEST_SUITE_P(
    FutureTimestamp, ReadingParserRejects,
    ::testing::Values(RejectCase{"OneMsTooFar", R"({"hr":70,"ts":)" + kFutureTs + "}",
                                 RejectReason::future_timestamp,
                                 "ts is 300001 ms after receipt, max 300000"},
                      RejectCase{"Rfc3339TooFar", R"({"hr":70,"ts":"2025-11-21T10:05:00.001Z"})",
                                 RejectReason::future_timestamp, "300001 ms"},
                      RejectCase{"Int64Max", R"({"hr":70,"ts":9223372036854775807})",
                                 RejectReason::future_timestamp, "ms after receipt"},
                      RejectCase{"Year9999", R"({"hr":70,"ts":"9999-12-31T23:59:59Z"})",
                                 RejectReason::future_timestamp, ""}),
    [](const auto& info) { return case_name(info); });

// Precedence: too_large > malformed_json > bad_value > bad_timestamp > no_vitals
// > implausible > future_timestamp. (no_vitals and implausible cannot meet:
// implausible needs a vital.) Within one reason, the first field in document
// order names the detail.
INSTANTIATE_TEST_SUITE_P(
    Precedence, ReadingParserRejects,
    ::testing::Values(
        RejectCase{"MalformedBeatsBadValue", R"({"hr":"x","y":tru})", RejectReason::malformed_json,
                   ""},
        RejectCase{"MalformedBeatsBeyondDouble", R"({"x":tru,"hr":1e999})",
                   RejectReason::malformed_json, ""},
        RejectCase{"BadValueBeatsEarlierBadTimestamp", R"({"ts":-1,"hr":"x"})",
                   RejectReason::bad_value, "'hr'"},
        RejectCase{"BadValueBeatsLaterBadTimestamp", R"({"hr":"x","ts":-1})",
                   RejectReason::bad_value, "'hr'"},
        RejectCase{"BadValueBeatsEarlierImplausible", R"({"hr":400,"spo2":"97"})",
                   RejectReason::bad_value, "'spo2'"},
        RejectCase{"DuplicateBeatsImplausible", R"({"hr":400,"hr":70})", RejectReason::bad_value,
                   "duplicate field 'hr'"},
        RejectCase{"FirstBadValueInDocumentOrder", R"({"o2":1,"hr":"x"})", RejectReason::bad_value,
                   "'o2'"},
        RejectCase{"BadValueBeatsNoVitals", R"({"device":7})", RejectReason::bad_value, "'device'"},
        RejectCase{"BadTimestampBeatsNoVitals", R"({"ts":-1})", RejectReason::bad_timestamp,
                   "negative"},
        RejectCase{"BadTimestampBeatsImplausible", R"({"hr":400,"ts":"soon"})",
                   RejectReason::bad_timestamp, "soon"},
        RejectCase{"NoVitalsBeatsFuture", R"({"ts":)" + kFutureTs + "}", RejectReason::no_vitals,
                   ""},
        RejectCase{"ImplausibleBeatsFuture", R"({"ts":)" + kFutureTs + R"(,"hr":400})",
                   RejectReason::implausible, "hr=400"},
        RejectCase{"FirstImplausibleInDocumentOrder", R"({"spo2":101,"hr":400})",
                   RejectReason::implausible, "spo2=101 outside 0-100"},
        RejectCase{"FirstImplausibleInDocumentOrderReversed", R"({"hr":400,"spo2":101})",
                   RejectReason::implausible, "hr=400"}),
    [](const auto& info) { return case_name(info); });

// ---------------------------------------------------------------------------
// Ranges: every vital at its limits, and just past them on both sides.

TEST(ReadingParser, GivenEachVitalAtItsRangeLimits_WhenParsed_ThenAccepted) {
  for (Vital v : kAllVitals) {
    const VitalRange range = plausible_range(v);
    for (double value : {range.min, range.max}) {
      // As an integer token and as a float token.
      for (const std::string& token : {fmt::format("{}", value), fmt::format("{:.1f}", value)}) {
        const std::string payload = fmt::format(R"({{"{}":{}}})", vital_name(v), token);
        const auto r = parse(payload);
        ASSERT_TRUE(r.has_value()) << payload << " -> " << describe(r);
        EXPECT_EQ(r->vitals.find(v), value) << payload;
      }
    }
  }
}

TEST(ReadingParser, GivenEachVitalJustOutsideItsRange_WhenParsed_ThenImplausible) {
  for (Vital v : kAllVitals) {
    const VitalRange range = plausible_range(v);
    const double below[] = {range.min - 1, range.min - 0.1,
                            std::nextafter(range.min, -std::numeric_limits<double>::infinity())};
    const double above[] = {range.max + 1, range.max + 0.1,
                            std::nextafter(range.max, std::numeric_limits<double>::infinity())};
    for (const double* side : {below, above}) {
      for (int i = 0; i < 3; ++i) {
        // fmt prints the shortest text that reads back as exactly this double.
        const std::string payload = fmt::format(R"({{"{}":{}}})", vital_name(v), side[i]);
        const auto r = parse(payload);
        ASSERT_FALSE(r.has_value()) << payload;
        EXPECT_EQ(r.error().reason, RejectReason::implausible) << payload << " -> " << describe(r);
        EXPECT_NE(r.error().detail.find(fmt::format("outside {}-{}", range.min, range.max)),
                  std::string::npos)
            << r.error().detail;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Time

TEST(ReadingParser, GivenTsExactlyMaxFutureAhead_WhenParsed_ThenAcceptedButOneMsMoreIsNot) {
  const std::int64_t limit = kNow + kFiveMinutes;
  const auto at_limit = parse(fmt::format(R"({{"hr":70,"ts":{}}})", limit));
  ASSERT_TRUE(at_limit.has_value()) << describe(at_limit);
  EXPECT_EQ(at_limit->ts_ms, limit);

  const auto past_limit = parse(fmt::format(R"({{"hr":70,"ts":{}}})", limit + 1));
  ASSERT_FALSE(past_limit.has_value());
  EXPECT_EQ(past_limit.error().reason, RejectReason::future_timestamp);

  // Same boundary written as RFC 3339.
  const auto text_at_limit =
      parse(fmt::format(R"({{"hr":70,"ts":"{}"}})", format_rfc3339_ms(limit)));
  ASSERT_TRUE(text_at_limit.has_value()) << describe(text_at_limit);
  const auto text_past_limit =
      parse(fmt::format(R"({{"hr":70,"ts":"{}"}})", format_rfc3339_ms(limit + 1)));
  ASSERT_FALSE(text_past_limit.has_value());
  EXPECT_EQ(text_past_limit.error().reason, RejectReason::future_timestamp);
}

TEST(ReadingParser, GivenAConfiguredFutureLimit_WhenParsed_ThenThatLimitApplies) {
  ReadingParserLimits limits;
  limits.max_future_ms = 0;
  EXPECT_TRUE(parse(fmt::format(R"({{"hr":70,"ts":{}}})", kNow), limits).has_value());
  EXPECT_FALSE(parse(fmt::format(R"({{"hr":70,"ts":{}}})", kNow + 1), limits).has_value());
  EXPECT_TRUE(parse(R"({"hr":70})", limits).has_value()) << "no ts means receive time";
}

TEST(ReadingParser, GivenAnOldTs_WhenParsed_ThenAcceptedAsIs) {
  // Readings queued by the broker while vitalsd was down arrive late; only the
  // future is bounded (SPEC §2).
  const auto r = parse(R"({"hr":70,"ts":"2020-01-01T00:00:00Z"})");
  ASSERT_TRUE(r.has_value()) << describe(r);
  EXPECT_EQ(r->ts_ms, 1'577'836'800'000);
}

// ---------------------------------------------------------------------------
// Size and depth limits

TEST(ReadingParser, GivenAPayloadAtTheSizeLimit_WhenParsed_ThenParsedButOneByteMoreIsTooLarge) {
  ReadingParserLimits limits;
  limits.max_payload_bytes = 64;
  std::string payload = R"({"hr":70,"pad":")";
  payload += std::string(64 - payload.size() - 2, 'x') + "\"}";
  ASSERT_EQ(payload.size(), 64U);
  EXPECT_TRUE(parse(payload, limits).has_value());

  const std::string too_big = payload + " ";
  const auto r = parse(too_big, limits);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason, RejectReason::too_large);
  EXPECT_EQ(r.error().detail, "payload is 65 bytes, max 64");
}

TEST(ReadingParser, GivenAnOversizedMalformedPayload_WhenParsed_ThenTooLargeWins) {
  const auto r = parse(std::string(65537, '{'));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason, RejectReason::too_large);
}

TEST(ReadingParser, GivenDefaultLimits_WhenExactly65536Bytes_ThenParsed) {
  std::string payload = R"({"hr":70,"pad":")";
  payload += std::string(65536 - payload.size() - 2, 'x') + "\"}";
  ASSERT_EQ(payload.size(), 65536U);
  EXPECT_TRUE(parse(payload).has_value());
}

TEST(ReadingParser, GivenDeepNesting_WhenParsed_ThenMalformedWithoutCrashing) {
  ReadingParserLimits limits;
  limits.max_payload_bytes = 1 << 20;
  const std::string brackets(100'000, '[');
  const auto unclosed = parse(brackets, limits);
  ASSERT_FALSE(unclosed.has_value());
  EXPECT_EQ(unclosed.error().reason, RejectReason::malformed_json);

  // Balanced but deeper than simdjson's limit (1024) inside an unknown field.
  const std::string deep =
      R"({"hr":70,"x":)" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  const auto too_deep = parse(deep, limits);
  ASSERT_FALSE(too_deep.has_value());
  EXPECT_EQ(too_deep.error().reason, RejectReason::malformed_json);
  EXPECT_NE(too_deep.error().detail.find("deeper than"), std::string::npos);

  // Nesting up to the limit in an unknown field is fine.
  const std::string ok = R"({"hr":70,"x":)" + std::string(1000, '[') + std::string(1000, ']') + "}";
  EXPECT_TRUE(parse(ok, limits).has_value());
}

TEST(ReadingParser, GivenManyHugeNumbers_WhenParsed_ThenOnlyKnownFieldsMatter) {
  std::string payload = "{";
  for (int i = 0; i < 1000; ++i) payload += fmt::format(R"("x{}":1e999,)", i);
  payload += R"("hr":1e999})";
  const auto r = parse(payload);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason, RejectReason::bad_value);
  EXPECT_NE(r.error().detail.find("'hr'"), std::string::npos)
      << "past the remembered rewrites the detail is generic but names the field: "
      << r.error().detail;
}

// ---------------------------------------------------------------------------
// Rejection details stay short and safe

TEST(ReadingParser, GivenHostileStrings_WhenRejected_ThenDetailIsShortAndPrintable) {
  const std::string long_hostile = std::string(1000, '\x7f') + "\\u0000\\n\\\"";
  for (const std::string& payload : std::vector<std::string>{
           R"({"acvpu":")" + long_hostile + R"("})", R"({"hr":70,"ts":")" + long_hostile + R"("})",
           R"({"acvpu":"\u0000\u001b[31m"})", R"({"acvpu":"é€𝄞"})"}) {
    const auto r = parse(payload);
    ASSERT_FALSE(r.has_value()) << payload;
    EXPECT_LE(r.error().detail.size(), 4 * 64 + 80U) << r.error().detail;
    for (char c : r.error().detail) {
      EXPECT_TRUE(c >= 0x20 && c < 0x7f)
          << "byte " << int(static_cast<unsigned char>(c)) << " in " << r.error().detail;
    }
  }
}

// ---------------------------------------------------------------------------
// The parser is reused: one instance, many payloads, no state carried over.

TEST(ReadingParser, GivenOneInstance_WhenParsingManyPayloads_ThenEachIsJudgedOnItsOwn) {
  ReadingParser parser;
  const auto first = parser.parse("p-1", R"({"hr":70,"o2":true,"device":"a"})", kNow, 1);
  const auto bad = parser.parse("p-2", R"({"hr":1e999,"spo2":01})", kNow, 2);
  const auto huge = parser.parse("p-3", R"({"x":1e999,"spo2":95})", kNow, 3);
  const auto big =
      parser.parse("p-4", R"({"spo2":95,"pad":")" + std::string(20000, 'x') + "\"}", kNow, 4);
  const auto second = parser.parse("p-5", R"({"rr":12})", kNow + 1, 5);
  ASSERT_TRUE(first.has_value());
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().reason, RejectReason::malformed_json);
  ASSERT_TRUE(huge.has_value()) << describe(huge);
  ASSERT_TRUE(big.has_value()) << describe(big);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->patient, "p-5");
  EXPECT_EQ(second->received_ms, kNow + 1);
  EXPECT_EQ(second->received_mono_ns, 5);
  EXPECT_FALSE(second->vitals.has(Vital::hr));
  EXPECT_FALSE(second->o2.has_value());
  EXPECT_TRUE(second->device.empty());
  EXPECT_EQ(first->device, "a") << "a Reading owns its strings, not the parser's buffers";
}

TEST(ReadingParser, GivenAnInvalidPatientId_WhenParsed_ThenBadTopic) {
  ReadingParser parser;
  for (std::string_view id : {"", "p/1", "vitals/+", "p#"}) {
    const auto r = parser.parse(id, R"({"hr":70})", kNow, 0);
    ASSERT_FALSE(r.has_value()) << id;
    EXPECT_EQ(r.error().reason, RejectReason::bad_topic);
  }
}

}  // namespace
}  // namespace vitalsd
