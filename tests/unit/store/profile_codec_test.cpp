#include "store/profile_codec.h"

#include <gtest/gtest.h>

namespace vitalsd {
namespace {

TEST(ProfileCodec, ReadsEveryFieldOfSpec4) {
  const DecodedProfile d = decode_profile({{"news2_scale", "2"},
                                           {"o2", "1"},
                                           {"acvpu", "V"},
                                           {"paused", "1"},
                                           {"spo2_low.high", "80"},
                                           {"hr_high.low", "120.5"},
                                           {"ward", "7B"}});
  EXPECT_TRUE(d.problems.empty());
  EXPECT_EQ(d.profile.news2_scale, SpO2Scale::scale2);
  EXPECT_EQ(d.profile.o2, true);
  EXPECT_EQ(d.profile.acvpu, Acvpu::V);
  EXPECT_TRUE(d.profile.paused);
  EXPECT_EQ(d.profile.override_for("spo2_low", Severity::high), 80);
  EXPECT_EQ(d.profile.override_for("hr_high", Severity::low), 120.5);
  EXPECT_FALSE(d.profile.override_for("spo2_low", Severity::low));
}

TEST(ProfileCodec, BadValuesAreIgnoredAndReportedNotFatal) {
  const DecodedProfile d = decode_profile({{"news2_scale", "3"},
                                           {"o2", "yes"},
                                           {"acvpu", "a"},
                                           {"spo2_low.high", "eighty"},
                                           {"spo2_low.low", "88"},
                                           {"paused", "0"}});
  EXPECT_EQ(d.problems.size(), 4u);
  EXPECT_FALSE(d.profile.news2_scale);
  EXPECT_FALSE(d.profile.o2);
  EXPECT_FALSE(d.profile.acvpu);
  EXPECT_FALSE(d.profile.paused);
  EXPECT_EQ(d.profile.override_for("spo2_low", Severity::low), 88) << "the good fields still apply";
}

TEST(ProfileCodec, FieldsThatAreNotOursAreIgnoredSilently) {
  const DecodedProfile d = decode_profile({{"name.family", "Smith"}, {"bed.7", "x"}, {"a.b.c", "1"}});
  EXPECT_TRUE(d.problems.empty());
  EXPECT_TRUE(d.profile.overrides.empty());
}

}  // namespace
}  // namespace vitalsd
