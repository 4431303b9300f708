#include "common/bounded_string.h"

#include <gtest/gtest.h>

#include "common/patient_id.h"

namespace vitalsd {
namespace {

TEST(BoundedString, HoldsUpToCapacity) {
  BoundedString<4> s;
  EXPECT_TRUE(s.try_assign("abcd"));
  EXPECT_EQ(s.view(), "abcd");
  EXPECT_FALSE(s.try_assign("abcde"));
  EXPECT_EQ(s.view(), "abcd") << "a failed assign leaves the value unchanged";
}

TEST(PatientId, AcceptsOnlyTheSpecAlphabetAndLength) {
  EXPECT_TRUE(is_valid_patient_id("p-001"));
  EXPECT_TRUE(is_valid_patient_id("A.b_C-9"));
  EXPECT_TRUE(is_valid_patient_id(std::string(64, 'x')));
  EXPECT_FALSE(is_valid_patient_id(std::string(65, 'x')));
  EXPECT_FALSE(is_valid_patient_id(""));
  // MQTT wildcards and separator, Redis key separator and glob/hash-tag
  // characters, whitespace and control characters, non-ASCII.
  for (const char* bad : {"p/1", "p+", "p#", "+", "#", "p 1", "p:1", "p*", "p?", "p[1]", "p{1}",
                          "pé", "p\n", "p\r", "p\t", "p\"", "p\\"}) {
    EXPECT_FALSE(is_valid_patient_id(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_patient_id(std::string{'p', '\0', '1'})) << "an embedded NUL";
}

}  // namespace
}  // namespace vitalsd
