#include "analysis/alert_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace vitalsd {
namespace {

TEST(AlertId, HexIsWhatWasParsed) {
  constexpr std::string_view kText = "0123456789abcdeffedcba9876543210";
  const std::optional<AlertId> id = AlertId::parse(kText);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->hex().view(), kText);
  EXPECT_EQ(AlertId(0x0123456789abcdefULL, 0xfedcba9876543210ULL), *id) << "high half first";
  EXPECT_EQ(AlertId().hex().view(), std::string(32, '0'));
}

TEST(AlertId, ParseRefusesAnythingButThirtyTwoLowercaseHexCharacters) {
  EXPECT_FALSE(AlertId::parse(""));
  EXPECT_FALSE(AlertId::parse("0123456789abcdef0123456789abcde")) << "31";
  EXPECT_FALSE(AlertId::parse("0123456789abcdef0123456789abcdef0")) << "33";
  EXPECT_FALSE(AlertId::parse("0123456789ABCDEF0123456789abcdef")) << "uppercase";
  EXPECT_FALSE(AlertId::parse("0123456789abcdeg0123456789abcdef")) << "not hex";
  EXPECT_FALSE(AlertId::parse("0123456789abcdef 123456789abcdef"));
}

TEST(AlertIdGenerator, IdsAreDistinctAndWrittenAsSpecSays) {
  AlertIdGenerator ids(42);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const AlertId id = ids.next();
    const std::string text(id.hex().view());
    EXPECT_EQ(text.find_first_not_of("0123456789abcdef"), std::string::npos) << text;
    EXPECT_EQ(AlertId::parse(text), id);
    seen.insert(text);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_NE(AlertIdGenerator().next(), AlertIdGenerator().next()) << "seeded from random_device";
}

}  // namespace
}  // namespace vitalsd
