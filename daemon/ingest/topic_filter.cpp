#include "ingest/topic_filter.h"

#include <algorithm>

#include "common/patient_id.h"

namespace vitalsd {
namespace {

constexpr std::string_view kSharePrefix = "$share/";

}  // namespace

Expected<TopicFilter, std::string> TopicFilter::parse(std::string_view filter) {
  std::string_view plain = filter;
  if (filter == "$share" || filter.starts_with(kSharePrefix)) {
    // MQTT 5 §4.8.2: "$share/<group>/<filter>"; the group is one non-empty
    // level without wildcards, and the filter after it must not be empty.
    const std::string_view rest = filter.substr(std::min(filter.size(), kSharePrefix.size()));
    const std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0) {
      return unexpected(std::string("\"$share/\" must be followed by <group>/<filter>"));
    }
    const std::string_view group = rest.substr(0, slash);
    if (group.find_first_of("+#") != std::string_view::npos) {
      return unexpected(std::string("shared subscription group must not contain '+' or '#'"));
    }
    plain = rest.substr(slash + 1);
    if (plain.empty()) {
      return unexpected(std::string("shared subscription has no topic filter after the group"));
    }
  }

  if (plain.find('#') != std::string_view::npos) {
    return unexpected(std::string("'#' is not allowed: the filter must name the patient level"));
  }
  if (plain.find('\0') != std::string_view::npos) {
    return unexpected(std::string("topic filter must not contain NUL"));
  }

  std::size_t plus_level_start = std::string_view::npos;
  std::size_t level_start = 0;
  while (true) {
    const std::size_t end = std::min(plain.find('/', level_start), plain.size());
    const std::string_view level = plain.substr(level_start, end - level_start);
    if (level.empty()) {
      return unexpected(std::string("topic filter has an empty level"));
    }
    if (level.find('+') != std::string_view::npos) {
      if (level != "+") {
        return unexpected(std::string("'+' must be a whole level"));
      }
      if (plus_level_start != std::string_view::npos) {
        return unexpected(std::string("topic filter must have exactly one '+' level, not several"));
      }
      plus_level_start = level_start;
    }
    if (end == plain.size()) break;
    level_start = end + 1;
  }
  if (plus_level_start == std::string_view::npos) {
    return unexpected(std::string("topic filter needs one '+' level for the patient id"));
  }

  TopicFilter f;
  f.subscription_ = std::string(filter);
  f.prefix_ = std::string(plain.substr(0, plus_level_start));
  f.suffix_ = std::string(plain.substr(plus_level_start + 1));
  return f;
}

bool TopicFilter::matches(std::string_view topic) const {
  if (topic.size() < prefix_.size() + suffix_.size()) return false;
  if (!topic.starts_with(prefix_) || !topic.ends_with(suffix_)) return false;
  const std::string_view level =
      topic.substr(prefix_.size(), topic.size() - prefix_.size() - suffix_.size());
  return level.find('/') == std::string_view::npos;
}

std::optional<std::string_view> TopicFilter::patient_of(std::string_view topic) const {
  if (topic.size() <= prefix_.size() + suffix_.size()) return std::nullopt;
  if (!topic.starts_with(prefix_) || !topic.ends_with(suffix_)) return std::nullopt;
  const std::string_view id =
      topic.substr(prefix_.size(), topic.size() - prefix_.size() - suffix_.size());
  // The id alphabet excludes '/', so this also checks the id is exactly one level.
  if (!is_valid_patient_id(id)) return std::nullopt;
  return id;
}

}  // namespace vitalsd
