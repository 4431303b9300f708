#include "ingest/topic_filter.h"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "support/allocation_counter.h"

namespace vitalsd {
namespace {

TEST(TopicFilter, GivenValidFilters_WhenParsed_ThenSubscriptionIsTheFilterAsGiven) {
  for (const char* text : {"vitals/+", "ward3/vitals/+", "+/vitals", "+", "a/+/b",
                           "$share/vitalsd/vitals/+", "$share/g/+", "$SYS/+"}) {
    const auto f = TopicFilter::parse(text);
    ASSERT_TRUE(f.has_value()) << text << ": " << f.error();
    EXPECT_EQ(f->subscription(), text);
  }
}

struct BadFilter {
  const char* filter;
  const char* why;  // a word the error must contain
};

void PrintTo(const BadFilter& c, std::ostream* os) { *os << '"' << c.filter << '"'; }

class TopicFilterRejects : public ::testing::TestWithParam<BadFilter> {};

TEST_P(TopicFilterRejects, GivenAnInvalidFilter_WhenParsed_ThenFailsWithAReason) {
  const auto f = TopicFilter::parse(GetParam().filter);
  ASSERT_FALSE(f.has_value()) << GetParam().filter;
  EXPECT_NE(f.error().find(GetParam().why), std::string::npos) << f.error();
}

INSTANTIATE_TEST_SUITE_P(
    All, TopicFilterRejects,
    ::testing::Values(BadFilter{"vitals", "'+'"}, BadFilter{"vitals/p1", "'+'"},
                      BadFilter{"vitals/+/+", "exactly one"}, BadFilter{"+/+", "exactly one"},
                      BadFilter{"vitals/#", "'#'"}, BadFilter{"#", "'#'"},
                      BadFilter{"vitals/+/#", "'#'"}, BadFilter{"vitals/p#", "'#'"},
                      BadFilter{"vitals/p+", "whole level"}, BadFilter{"vitals/+p", "whole level"},
                      BadFilter{"vitals/++", "whole level"}, BadFilter{"", "empty level"},
                      BadFilter{"/vitals/+", "empty level"}, BadFilter{"vitals/+/", "empty level"},
                      BadFilter{"vitals//+", "empty level"}, BadFilter{"$share", "group"},
                      BadFilter{"$share/", "group"}, BadFilter{"$share/g", "group"},
                      BadFilter{"$share//vitals/+", "group"}, BadFilter{"$share/g/", "no topic"},
                      BadFilter{"$share/g+/vitals/+", "group"}, BadFilter{"$share/g/vitals", "'+'"},
                      BadFilter{"$share/g/vitals/#", "'#'"},
                      BadFilter{"$share/g//+", "empty level"}));

struct TopicCase {
  const char* filter;
  const char* topic;
  std::optional<std::string_view> patient;
};

void PrintTo(const TopicCase& c, std::ostream* os) { *os << c.filter << " vs " << c.topic; }

class TopicFilterMatches : public ::testing::TestWithParam<TopicCase> {};

TEST_P(TopicFilterMatches, GivenATopic_WhenMatched_ThenYieldsTheValidPatientIdOrNothing) {
  const TopicCase& c = GetParam();
  const auto f = TopicFilter::parse(c.filter);
  ASSERT_TRUE(f.has_value()) << f.error();
  EXPECT_EQ(f->patient_of(c.topic), c.patient) << c.filter << " vs " << c.topic;
}

const std::string kId64(64, 'x');
const std::string kTopic64 = "vitals/" + kId64;
const std::string kTopic65 = "vitals/" + std::string(65, 'x');

INSTANTIATE_TEST_SUITE_P(All, TopicFilterMatches,
                         ::testing::Values(TopicCase{"vitals/+", "vitals/p-001", "p-001"},
                                           TopicCase{"vitals/+", "vitals/A.b_C-9", "A.b_C-9"},
                                           TopicCase{"vitals/+", kTopic64.c_str(), kId64},
                                           TopicCase{"vitals/+", kTopic65.c_str(), std::nullopt},
                                           TopicCase{"vitals/+", "vitals/", std::nullopt},
                                           TopicCase{"vitals/+", "vitals", std::nullopt},
                                           TopicCase{"vitals/+", "vitals/p1/x", std::nullopt},
                                           TopicCase{"vitals/+", "vitals/p 1", std::nullopt},
                                           TopicCase{"vitals/+", "vitals/p+1", std::nullopt},
                                           TopicCase{"vitals/+", "vitals/p#", std::nullopt},
                                           TopicCase{"vitals/+", "vitals/pé", std::nullopt},
                                           TopicCase{"vitals/+", "vital/p1", std::nullopt},
                                           TopicCase{"vitals/+", "xvitals/p1", std::nullopt},
                                           TopicCase{"vitals/+", "VITALS/p1", std::nullopt},
                                           TopicCase{"vitals/+", "alerts/p1", std::nullopt},
                                           TopicCase{"ward3/vitals/+", "ward3/vitals/p1", "p1"},
                                           TopicCase{"ward3/vitals/+", "vitals/p1", std::nullopt},
                                           TopicCase{"+/vitals", "p1/vitals", "p1"},
                                           TopicCase{"+/vitals", "p1/vitals/x", std::nullopt},
                                           TopicCase{"+/vitals", "/vitals", std::nullopt},
                                           TopicCase{"a/+/b", "a/p1/b", "p1"},
                                           TopicCase{"a/+/b", "a/p1/c", std::nullopt},
                                           TopicCase{"a/+/b", "a/p1/x/b", std::nullopt},
                                           TopicCase{"a/+/b", "a//b", std::nullopt},
                                           TopicCase{"+", "p1", "p1"},
                                           TopicCase{"+", "$SYS", std::nullopt},
                                           // Shared subscriptions deliver on the plain topic.
                                           TopicCase{"$share/vitalsd/vitals/+", "vitals/p1", "p1"},
                                           TopicCase{"$share/vitalsd/vitals/+",
                                                     "$share/vitalsd/vitals/p1", std::nullopt}));

TEST(TopicFilter, GivenAMatchingTopic_WhenMatched_ThenDoesNotAllocate) {
  const auto f = TopicFilter::parse("$share/g/ward3/vitals/+");
  ASSERT_TRUE(f.has_value());
  const std::string topic = "ward3/vitals/p-001";
  const testing::AllocationCounter counter;
  const auto patient = f->patient_of(topic);
  EXPECT_EQ(counter.allocations(), 0U);
  EXPECT_EQ(patient, "p-001");
}

}  // namespace
}  // namespace vitalsd

namespace vitalsd {
namespace {

TEST(TopicFilterMatches, TellsWhichSubscriptionATopicBelongsToWhateverTheId) {
  auto acks = TopicFilter::parse("alerts-ack/+");
  ASSERT_TRUE(acks);
  EXPECT_TRUE(acks->matches("alerts-ack/p-1"));
  EXPECT_TRUE(acks->matches("alerts-ack/p 1")) << "shape matches; the id is invalid";
  EXPECT_TRUE(acks->matches("alerts-ack/")) << "an empty level still matches the shape";
  EXPECT_FALSE(acks->matches("alerts-ack/a/b"));
  EXPECT_FALSE(acks->matches("vitals/p-1"));
}

}  // namespace
}  // namespace vitalsd
