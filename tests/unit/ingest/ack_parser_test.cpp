#include "ingest/ack_parser.h"

#include <gtest/gtest.h>

namespace vitalsd {
namespace {

TEST(AckParser, ParsesTheSpecExample) {
  AckParser p;
  auto ack = p.parse("p-001", R"({"rule": "spo2_low", "by": "rn-42"})", 123);
  ASSERT_TRUE(ack) << ack.error();
  EXPECT_EQ(ack->patient, "p-001");
  EXPECT_EQ(ack->rule, "spo2_low");
  EXPECT_EQ(ack->by, "rn-42");
  EXPECT_EQ(ack->received_ms, 123);
}

TEST(AckParser, ByIsOptionalAndUnknownFieldsAreIgnored) {
  AckParser p;
  auto ack = p.parse("p", R"({"rule": "news2", "note": "seen"})", 0);
  ASSERT_TRUE(ack);
  EXPECT_TRUE(ack->by.empty());
}

TEST(AckParser, RefusesWhatIsNotAnAck) {
  AckParser p;
  struct Case {
    const char* payload;
    const char* reason;
  };
  for (const Case& c : {Case{"", "not valid JSON"}, Case{"{", "not valid JSON"},
                        Case{"[]", "not a JSON object"}, Case{"{}", "missing 'rule'"},
                        Case{R"({"rule": 7})", "'rule' must be a rule name"},
                        Case{R"({"rule": "SpO2 Low"})", "'rule' must be a rule name"},
                        Case{R"({"rule": ""})", "'rule' must be a rule name"},
                        Case{R"({"rule": "x", "by": 42})", "'by' must be a string of at most 64 bytes"}}) {
    auto ack = p.parse("p", c.payload, 0);
    ASSERT_FALSE(ack) << c.payload;
    EXPECT_EQ(ack.error(), c.reason) << c.payload;
  }
  auto long_by = p.parse("p", R"({"rule": "x", "by": ")" + std::string(65, 'a') + "\"}", 0);
  EXPECT_FALSE(long_by);
  EXPECT_FALSE(p.parse("p", std::string(5000, ' '), 0)) << "oversized";
}

}  // namespace
}  // namespace vitalsd
