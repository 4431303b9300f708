#include "ingest/number_rewrite.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace vitalsd::ingest_detail {
namespace {

struct RewriteCase {
  std::string before;
  std::string after;
};

void PrintTo(const RewriteCase& c, std::ostream* os) { *os << c.before.substr(0, 80); }

class NumberRewrite : public ::testing::TestWithParam<RewriteCase> {};

TEST_P(NumberRewrite, GivenAToken_WhenRewritten_ThenOnlyUnrepresentableNumbersChange) {
  std::string json = GetParam().before;
  rewrite_unrepresentable_numbers(json.data(), json.size());
  EXPECT_EQ(json, GetParam().after);
  EXPECT_EQ(json.size(), GetParam().before.size());
}

INSTANTIATE_TEST_SUITE_P(
    All, NumberRewrite,
    ::testing::Values(
        // Beyond double: null.
        RewriteCase{"1e999", "null "}, RewriteCase{"[-1e999]", "[null  ]"},
        RewriteCase{"[1E+400]", "[null  ]"},
        RewriteCase{"[1.7976931348623159e308]", "[null                  ]"},
        RewriteCase{"[" + std::string(400, '9') + "]", "[null" + std::string(396, ' ') + "]"},
        // Integers beyond int64/uint64 but inside double: the same double.
        RewriteCase{"[18446744073709551616]", "[18446744073709552e3 ]"},
        RewriteCase{"[-9223372036854775809]", "[-9223372036854776e3 ]"},
        RewriteCase{"[99999999999999999999]", "[1e20                ]"},
        // Representable or not a number token: untouched.
        RewriteCase{"[18446744073709551615,-9223372036854775808,1e308,1e-999,0e99999]",
                    "[18446744073709551615,-9223372036854775808,1e308,1e-999,0e99999]"},
        RewriteCase{R"(["1e999","\"1e999",1])", R"(["1e999","\"1e999",1])"},
        RewriteCase{"[01e999,1.e999,-e999,1e999.5]", "[01e999,1.e999,-e999,1e999.5]"},
        RewriteCase{"[1e99999999999999999999999]", "[null                     ]"},
        RewriteCase{"[1e-99999999999999999999999]", "[1e-99999999999999999999999]"},
        RewriteCase{"[0.000001e310]", "[0.000001e310]"}, RewriteCase{"[0.01e311]", "[null    ]"}));

TEST(NumberRewrite, GivenTopLevelMembers_WhenRewritten_ThenRecordsWhichMemberAndWhatKind) {
  std::string json =
      R"({"a":1,"b":{"x":1e999},"c":[2e999],"hr" : 1e999,"ts":99999999999999999999})";
  const NumberRewrites r = rewrite_unrepresentable_numbers(json.data(), json.size());
  EXPECT_EQ(r.total, 4U);
  ASSERT_EQ(r.recorded, 2U) << "only values of top-level members are recorded";
  ASSERT_NE(r.find(3), nullptr);
  EXPECT_EQ(r.find(3)->kind, NumberRewriteKind::beyond_double);
  ASSERT_NE(r.find(4), nullptr);
  EXPECT_EQ(r.find(4)->kind, NumberRewriteKind::beyond_int64);
  EXPECT_EQ(r.find(4)->length, 20U);
  EXPECT_EQ(r.find(0), nullptr);
  EXPECT_EQ(r.find(1), nullptr);
}

TEST(NumberRewrite, GivenUnterminatedStringsAndGarbage_WhenRewritten_ThenStaysInBounds) {
  for (std::string json :
       {std::string("\""), std::string("\"\\"), std::string("{\"a\":\"\\"), std::string("-"),
        std::string("1e"), std::string(":1e999"), std::string("}}]]:1e999")}) {
    rewrite_unrepresentable_numbers(json.data(), json.size());
  }
}

}  // namespace
}  // namespace vitalsd::ingest_detail
