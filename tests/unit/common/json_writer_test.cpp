#include "common/json_writer.h"

#include <gtest/gtest.h>

namespace vitalsd {
namespace {

std::string str(std::string_view s) {
  std::string out;
  json::append_string(out, s);
  return out;
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(str("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(str("line\nnext\ttab"), R"("line\nnext\ttab")");
  EXPECT_EQ(str(std::string_view("\x01\x1f\x7f", 3)), R"("\u0001\u001f\u007f")");
  EXPECT_EQ(str(std::string_view("nul\0x", 5)), R"("nul\u0000x")");
}

TEST(JsonWriter, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(str("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(str("\xff"), R"("\ufffd")");
  EXPECT_EQ(str("\xc3"), R"("\ufffd")") << "truncated sequence";
  EXPECT_EQ(str("\xc0\xaf"), R"("\ufffd\ufffd")") << "overlong encoding";
  EXPECT_EQ(str("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")") << "surrogate";
}

TEST(JsonWriter, NumbersAreShortestRoundTrip) {
  auto num = [](double v) {
    std::string out;
    json::append_number(out, v);
    return out;
  };
  EXPECT_EQ(num(89), "89");
  EXPECT_EQ(num(36.8), "36.8");
  EXPECT_EQ(num(-0.5), "-0.5");
  EXPECT_EQ(num(std::numeric_limits<double>::infinity()), "null");
}

}  // namespace
}  // namespace vitalsd
