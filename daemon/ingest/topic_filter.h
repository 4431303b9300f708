// TopicFilter: the subscription filter with one `+` level that names the
// patient, e.g. "vitals/+", "ward3/vitals/+" or the shared form
// "$share/vitalsd/vitals/+". Extracts and validates the patient id of an
// incoming topic.
//
// Immutable after construction; safe to use from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"

namespace vitalsd {

class TopicFilter {
 public:
  // Fails (with a reason) unless the filter has exactly one `+` level, no `#`,
  // and no empty level. A "$share/<group>/" prefix is accepted and stripped:
  // messages arrive on the plain topic.
  static Expected<TopicFilter, std::string> parse(std::string_view filter);

  // The filter as given (with any $share prefix), for SUBSCRIBE.
  const std::string& subscription() const { return subscription_; }

  // The patient id if `topic` matches the filter and its `+` level is a valid
  // patient id (is_valid_patient_id), else nullopt. Never allocates.
  std::optional<std::string_view> patient_of(std::string_view topic) const;

  // True if `topic` has the filter's literal levels around a single `+`
  // level, whether or not that level is a valid patient id: tells which of
  // several subscriptions a message arrived on.
  bool matches(std::string_view topic) const;

 private:
  TopicFilter() = default;
  std::string subscription_;
  std::string prefix_;  // literal levels before `+`, with trailing '/' ("" if `+` is first)
  std::string suffix_;  // literal levels after `+`, with leading '/' ("" if `+` is last)
};

}  // namespace vitalsd
