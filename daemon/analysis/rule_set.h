// RuleSet: the immutable, validated set of rules every worker evaluates
// (SPEC §3). Built by the rules loader, shared read-only between workers as a
// std::shared_ptr<const RuleSet>; a reload builds a new one and swaps it in.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/vitals.h"

namespace vitalsd {

enum class Direction : std::uint8_t {
  below,  // breached when value < threshold
  above,  // breached when value > threshold
};

struct ThresholdLevel {
  double threshold = 0;
  Severity severity = Severity::low;
};

// One [[alert]] table. Invariants (checked by the loader): `levels` is
// non-empty, mildest first, severities strictly increasing, thresholds
// strictly more extreme in `direction` (decreasing for below, increasing for
// above); hysteresis >= 0; for_duration >= 0.
struct ThresholdRule {
  std::string name;  // unique across all rule files, [a-z0-9_]+
  Vital metric = Vital::hr;
  Direction direction = Direction::below;
  std::vector<ThresholdLevel> levels;
  std::chrono::milliseconds for_duration{0};  // breach must last this long (reading time)
  double hysteresis = 0;                      // clears only when back past mildest threshold by this
  std::string source;                         // "file:line" of the [[alert]], for logs
};

struct News2Settings {
  bool enabled = false;
  std::chrono::milliseconds window{std::chrono::minutes(5)};
  std::string source;  // "file:line" of [news2], empty if absent
};

struct SignalLostSettings {
  bool enabled = false;  // true iff a [signal_lost] table is present
  std::chrono::milliseconds after{std::chrono::seconds(120)};
  Severity severity = Severity::medium;
  std::string source;
};

struct RuleSet {
  std::vector<ThresholdRule> thresholds;  // in file order, files in name order
  News2Settings news2;
  SignalLostSettings signal_lost;

  const ThresholdRule* find(std::string_view name) const {
    for (const auto& r : thresholds) {
      if (r.name == name) return &r;
    }
    return nullptr;
  }
};

// "11 threshold rules, news2 on, signal_lost on": for logs and --check-config.
inline std::string summary(const RuleSet& rules) {
  return std::to_string(rules.thresholds.size()) + " threshold rules, news2 " +
         (rules.news2.enabled ? "on" : "off") + ", signal_lost " +
         (rules.signal_lost.enabled ? "on" : "off");
}

// Built-in rule names; a threshold rule may not take them.
inline constexpr std::string_view kNews2RuleName = "news2";
inline constexpr std::string_view kSignalLostRuleName = "signal_lost";

}  // namespace vitalsd
