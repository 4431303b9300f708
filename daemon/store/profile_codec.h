// The patient profile hash (SPEC §4) as vitalsd reads it.
//
// Fields, all optional: news2_scale "1"|"2", o2 "0"|"1", acvpu "A".."U",
// paused "1" (anything else: not paused), and `<rule>.<severity>` = number
// for threshold overrides. Other fields are the admission system's business
// and are ignored. A field with an unusable value is ignored too and
// reported, so one typo in Redis cannot take a patient's profile away.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "analysis/patient_profile.h"

namespace vitalsd {

struct DecodedProfile {
  PatientProfile profile;
  std::vector<std::string> problems;  // "news2_scale='3' is not 1 or 2", for the log
};

// `fields` are HGETALL's (field, value) pairs.
DecodedProfile decode_profile(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace vitalsd
