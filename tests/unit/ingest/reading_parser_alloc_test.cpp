// After warm-up, parsing a valid payload does not allocate (reading_parser.h).
// Measured with the unit-test binary's counting operator new, which sees
// simdjson's allocations too (it allocates with new (std::nothrow)).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ingest/reading_parser.h"
#include "support/allocation_counter.h"

namespace vitalsd {
namespace {

constexpr std::int64_t kNow = 1'763'719'200'000;

const std::vector<std::string> kValidPayloads = {
    R"({"ts": 1763719200123, "device": "wb-0042", "hr": 72, "spo2": 97, "rr": 16,)"
    R"( "temp": 36.8, "sbp": 121, "dbp": 78, "acvpu": "A", "o2": false})",
    R"({"ts":"2025-11-21T09:59:00.123+01:00","hr":72.5,"note":{"a":[1,2,"three"]}})",
    R"({"o2":true})",
    R"({"device":")" + std::string(64, 'd') + R"(","temp":36.6,"x":"\u00e9\n"})",
};

TEST(ReadingParserAllocation, GivenTheCounter_WhenSomethingAllocates_ThenItIsCounted) {
  // The measurement below is only worth something if the counter sees both
  // plain and nothrow allocations.
  const testing::AllocationCounter counter;
  // volatile: otherwise the compiler may elide a new/delete pair entirely.
  int* volatile plain = new int(1);
  delete plain;
  char* volatile nothrow = new (std::nothrow) char[16];
  delete[] nothrow;
  EXPECT_EQ(counter.allocations(), 2U);
}

TEST(ReadingParserAllocation, GivenAWarmParser_WhenParsingValidPayloads_ThenNothingAllocates) {
  ReadingParser parser;
  for (const std::string& p : kValidPayloads) {
    ASSERT_TRUE(parser.parse("p-001", p, kNow, 0).has_value()) << p;
  }

  const testing::AllocationCounter counter;
  std::size_t accepted = 0;
  for (int round = 0; round < 1000; ++round) {
    for (const std::string& p : kValidPayloads) {
      accepted += parser.parse("p-001", p, kNow, 0).has_value() ? 1 : 0;
    }
  }
  EXPECT_EQ(counter.allocations(), 0U);
  EXPECT_EQ(accepted, 1000 * kValidPayloads.size());
}

TEST(ReadingParserAllocation, GivenAPayloadLargerThanAnySeen_WhenParsed_ThenGrowsOnceOnly) {
  ReadingParser parser;
  const std::string big =
      R"({"hr":70,"pad":")" + std::string(20'000, 'x') + R"("})";  // > initial capacity

  const testing::AllocationCounter growing;
  ASSERT_TRUE(parser.parse("p-001", big, kNow, 0).has_value());
  EXPECT_GT(growing.allocations(), 0U) << "the counter must see simdjson growing";

  const testing::AllocationCounter warm;
  ASSERT_TRUE(parser.parse("p-001", big, kNow, 0).has_value());
  ASSERT_TRUE(parser.parse("p-001", kValidPayloads[0], kNow, 0).has_value());
  EXPECT_EQ(warm.allocations(), 0U);
}

TEST(ReadingParserAllocation, GivenAFreshParser_WhenParsingATypicalPayload_ThenNothingAllocates) {
  // Construction sizes the buffers for typical readings, so even the first
  // one does not allocate.
  ReadingParser parser;
  const testing::AllocationCounter counter;
  ASSERT_TRUE(parser.parse("p-001", kValidPayloads[0], kNow, 0).has_value());
  EXPECT_EQ(counter.allocations(), 0U);
}

}  // namespace
}  // namespace vitalsd
