// load_rules: rules/*.toml -> RuleSet (SPEC §3).
#include "config/config_loader.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "config/toml_reader.h"

namespace vitalsd {
namespace {

namespace fs = std::filesystem;
using config_detail::DiagnosticSink;
using config_detail::Required;
using config_detail::TableReader;

constexpr std::size_t kMaxRuleNameLength = 64;
constexpr std::array<std::string_view, kVitalCount> kMetricNames = {"hr",   "spo2", "rr",
                                                                    "temp", "sbp",  "dbp"};
constexpr std::array<std::string_view, 2> kDirectionNames = {"below", "above"};
constexpr std::array<std::string_view, 3> kSeverityNames = {"low", "medium", "high"};

using Reason = std::optional<std::string>;

std::string format_number(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

const toml::source_region& source_of(const toml::table& table, std::string_view key) {
  const toml::node* node = table.get(key);
  return node != nullptr ? node->source() : table.source();
}

std::string join(std::span<const std::string_view> words) {
  std::string out;
  for (std::string_view word : words) {
    if (!out.empty()) out += ", ";
    out += word;
  }
  return out;
}

// ---- Rule files. ----

bool is_rule_file(const fs::directory_entry& entry) {
  const fs::path name = entry.path().filename();
  std::error_code ec;
  // Hidden files are editor back-ups and lock files, not rules.
  return name.extension() == ".toml" && !name.string().starts_with('.') &&
         entry.is_regular_file(ec);
}

// The files `path` names, in load order; reports and returns none if there
// are none.
std::vector<fs::path> rule_files(const fs::path& path, Diagnostics& out) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec) {
    out.push_back({path.string(), 0, 0, "cannot read rules: " + ec.message()});
    return {};
  }
  if (!fs::is_directory(status)) return {path};
  std::vector<fs::path> files;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    if (is_rule_file(*it)) files.push_back(it->path());
  }
  if (ec) {
    out.push_back({path.string(), 0, 0, "cannot list rules directory: " + ec.message()});
    return {};
  }
  if (files.empty()) {
    out.push_back({path.string(), 0, 0, "no rules found: the directory holds no *.toml files"});
  }
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  return files;
}

// ---- One [[alert]]. ----

Reason check_rule_name(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > kMaxRuleNameLength) return "must be at most 64 characters";
  const bool valid = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (!valid) return "'" + std::string(name) + "' may contain only a-z, 0-9 and _";
  if (name == kNews2RuleName || name == kSignalLostRuleName) {
    return "'" + std::string(name) + "' is reserved for the built-in rule";
  }
  return std::nullopt;
}

// The value of `key` if it is one of `choices`; reports anything else.
std::optional<std::string> read_choice(TableReader& r, std::string_view key,
                                       std::span<const std::string_view> choices,
                                       Required required) {
  auto value = r.get_string(key, required);
  if (!value) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *value) != choices.end()) return value;
  r.error_at(key, "'" + *value + "' is not one of " + join(choices) +
                      config_detail::did_you_mean(*value, choices));
  return std::nullopt;
}

struct LevelEntry {
  ThresholdLevel level;
  const toml::table* table;  // where to report ordering problems
};

// One element of `levels`: { threshold = <number>, severity = "low" }.
std::optional<LevelEntry> read_level(const toml::node& node, const std::string& context,
                                     DiagnosticSink& sink) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    sink.error_at(node.source(), context + ": expected a table such as { threshold = 90, " +
                                     "severity = \"low\" }, got " +
                                     std::string(config_detail::type_name(node)));
    return std::nullopt;
  }
  TableReader r(*table, context, sink);
  const auto threshold = r.get_number("threshold", Required::yes);
  const auto severity = read_choice(r, "severity", kSeverityNames, Required::yes);
  r.reject_unknown_keys();
  if (!threshold || !severity) return std::nullopt;
  return LevelEntry{ThresholdLevel{*threshold, *parse_severity(*severity)}, table};
}

// Mildest first: each level more severe, and further out in `direction`,
// than the one before, so the first breached level is always the mildest.
void check_level_order(std::span<const LevelEntry> levels, Direction direction,
                       const std::string& context, DiagnosticSink& sink) {
  for (std::size_t i = 1; i < levels.size(); ++i) {
    const ThresholdLevel& prev = levels[i - 1].level;
    const ThresholdLevel& cur = levels[i].level;
    const std::string here = context + " levels[" + std::to_string(i) + "]";
    if (cur.severity <= prev.severity) {
      sink.error_at(source_of(*levels[i].table, "severity"),
                    here + " severity: '" + std::string(severity_name(cur.severity)) +
                        "' must be more severe than the '" +
                        std::string(severity_name(prev.severity)) +
                        "' before it (list levels mildest first)");
    }
    const bool further = direction == Direction::below ? cur.threshold < prev.threshold
                                                       : cur.threshold > prev.threshold;
    if (!further) {
      sink.error_at(source_of(*levels[i].table, "threshold"),
                    here + " threshold: " + format_number(cur.threshold) + " must be " +
                        (direction == Direction::below ? "lower" : "higher") + " than the " +
                        format_number(prev.threshold) + " before it (list levels mildest first)");
    }
  }
}

// A threshold outside what a reading can carry is a unit mix-up (°F for °C,
// kPa for mmHg) and would never, or always, breach.
void check_plausible(std::span<const LevelEntry> levels, Vital metric, const std::string& context,
                     DiagnosticSink& sink) {
  const VitalRange range = plausible_range(metric);
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const double threshold = levels[i].level.threshold;
    if (threshold < range.min || threshold > range.max) {
      sink.error_at(source_of(*levels[i].table, "threshold"),
                    context + " levels[" + std::to_string(i) +
                        "] threshold: " + format_number(threshold) + " is outside the range of " +
                        std::string(vital_name(metric)) + " readings (" + format_number(range.min) +
                        " to " + format_number(range.max) + ")");
    }
  }
}

std::optional<std::vector<LevelEntry>> read_levels(TableReader& r, const std::string& context,
                                                   DiagnosticSink& sink) {
  const toml::array* array = r.get_array("levels", Required::yes);
  if (array == nullptr) return std::nullopt;
  if (array->empty()) {
    r.error_at("levels", "must list at least one { threshold, severity }");
    return std::nullopt;
  }
  std::vector<LevelEntry> levels;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string level_context = context + " levels[" + std::to_string(i) + "]";
    if (auto level = read_level(*array->get(i), level_context, sink)) levels.push_back(*level);
  }
  if (levels.size() != array->size()) return std::nullopt;
  return levels;
}

// The alert clears at mildest threshold ± hysteresis; if no reading can get
// there, a raised alert would stay raised for ever.
void check_clear_point(TableReader& r, const ThresholdRule& rule) {
  const VitalRange range = plausible_range(rule.metric);
  const double mildest = rule.levels.front().threshold;
  const bool below = rule.direction == Direction::below;
  const double clear_at = below ? mildest + rule.hysteresis : mildest - rule.hysteresis;
  if (below ? clear_at > range.max : clear_at < range.min) {
    r.error_at("hysteresis", format_number(rule.hysteresis) + " puts the clear point at " +
                                 format_number(clear_at) + ", which no " +
                                 std::string(vital_name(rule.metric)) +
                                 " reading can reach, so the alert could never clear");
  }
}

struct AlertParts {
  std::optional<std::string> metric;
  std::optional<std::string> direction;
  std::optional<std::vector<LevelEntry>> levels;
  std::optional<std::chrono::milliseconds> for_duration;
  std::optional<double> hysteresis;
};

// An optional key's value: `fallback` if the key is absent, nullopt if it is
// present but invalid (already reported).
template <class T>
std::optional<T> or_default(TableReader& r, std::string_view key, std::optional<T> value,
                            T fallback) {
  if (!value && r.get(key) == nullptr) return fallback;
  return value;
}

std::optional<double> read_hysteresis(TableReader& r) {
  const auto value = or_default(r, "hysteresis", r.get_number("hysteresis"), 0.0);
  if (value && *value < 0) {
    r.error_at("hysteresis", "must be at least 0, got " + format_number(*value));
    return std::nullopt;
  }
  return value;
}

AlertParts read_alert_parts(TableReader& r, const std::string& context, DiagnosticSink& sink) {
  AlertParts parts;
  parts.metric = read_choice(r, "metric", kMetricNames, Required::yes);
  parts.direction = read_choice(r, "direction", kDirectionNames, Required::yes);
  parts.levels = read_levels(r, context, sink);
  parts.for_duration = or_default(r, "for", r.get_duration("for"), std::chrono::milliseconds(0));
  parts.hysteresis = read_hysteresis(r);
  return parts;
}

// ---- The whole set. ----

class RuleSetBuilder {
 public:
  explicit RuleSetBuilder(Diagnostics& out) : out_(out) {}

  void add_file(const fs::path& file);
  // A monitor with no clinical rules monitors nothing: refuse it.
  void check_not_empty(const fs::path& path);
  RuleSet take() { return std::move(set_); }

 private:
  void read_alerts(TableReader& top, DiagnosticSink& sink);
  std::optional<ThresholdRule> read_alert(const toml::table& table, DiagnosticSink& sink);
  void check_unique_name(const std::string& name, const toml::table& table, DiagnosticSink& sink);
  bool claim_builtin(std::string& first_source, std::string_view name, const toml::table& table,
                     DiagnosticSink& sink);
  void read_news2(const toml::table& table, DiagnosticSink& sink);
  void read_signal_lost(const toml::table& table, DiagnosticSink& sink);

  Diagnostics& out_;
  RuleSet set_;
  // Rule name -> "file:line" of the [[alert]] that first used it.
  std::map<std::string, std::string, std::less<>> first_definition_;
};

void RuleSetBuilder::add_file(const fs::path& file) {
  DiagnosticSink sink(file.string(), out_);
  const auto root = config_detail::parse_toml_file(file, sink);
  if (!root) return;
  TableReader top(*root, "", sink);
  read_alerts(top, sink);
  if (const toml::table* news2 = top.get_table("news2")) read_news2(*news2, sink);
  if (const toml::table* lost = top.get_table("signal_lost")) read_signal_lost(*lost, sink);
  top.reject_unknown_keys();
  sink.sort_by_position();
}

void RuleSetBuilder::read_alerts(TableReader& top, DiagnosticSink& sink) {
  const toml::node* node = top.get("alert");
  if (node == nullptr) return;
  if (node->is_table()) return top.error_at("alert", "write [[alert]], not [alert]");
  const toml::array* alerts = top.get_array("alert");
  if (alerts == nullptr) return;
  for (const toml::node& element : *alerts) {
    const toml::table* table = element.as_table();
    if (table == nullptr) {
      sink.error_at(element.source(), "alert: expected a table, got " +
                                          std::string(config_detail::type_name(element)));
    } else if (auto rule = read_alert(*table, sink)) {
      set_.thresholds.push_back(std::move(*rule));
    }
  }
}

std::optional<ThresholdRule> RuleSetBuilder::read_alert(const toml::table& table,
                                                        DiagnosticSink& sink) {
  const std::size_t errors_before = sink.error_count();
  std::string context = "[[alert]]";
  TableReader r(table, context, sink);
  ThresholdRule rule;
  rule.source = sink.location(table.source());
  if (auto name = r.get_string("name", Required::yes)) {
    if (auto why = check_rule_name(*name)) {
      r.error_at("name", *why);
    } else {
      check_unique_name(*name, table, sink);
      rule.name = std::move(*name);
      context = "[[alert]] '" + rule.name + "'";
      r.set_context(context);
    }
  }
  AlertParts parts = read_alert_parts(r, context, sink);
  r.reject_unknown_keys();
  if (!parts.metric || !parts.direction || !parts.levels || !parts.for_duration ||
      !parts.hysteresis) {
    return std::nullopt;
  }
  rule.metric = *parse_vital(*parts.metric);
  rule.direction = *parts.direction == "below" ? Direction::below : Direction::above;
  rule.for_duration = *parts.for_duration;
  rule.hysteresis = *parts.hysteresis;
  check_level_order(*parts.levels, rule.direction, context, sink);
  check_plausible(*parts.levels, rule.metric, context, sink);
  if (sink.error_count() != errors_before) return std::nullopt;
  for (const LevelEntry& entry : *parts.levels) rule.levels.push_back(entry.level);
  // Only meaningful once the levels themselves are sound.
  check_clear_point(r, rule);
  if (sink.error_count() != errors_before) return std::nullopt;
  return rule;
}

void RuleSetBuilder::check_unique_name(const std::string& name, const toml::table& table,
                                       DiagnosticSink& sink) {
  const auto [it, inserted] = first_definition_.emplace(name, sink.location(table.source()));
  if (!inserted) {
    sink.error_at(source_of(table, "name"), "[[alert]] name: duplicate rule name '" + name +
                                                "', first defined at " + it->second);
  }
}

// [news2] and [signal_lost] configure one built-in rule each, so they may
// appear in one file only. Records the first; reports any later one.
bool RuleSetBuilder::claim_builtin(std::string& first_source, std::string_view name,
                                   const toml::table& table, DiagnosticSink& sink) {
  if (!first_source.empty()) {
    sink.error_at(table.source(), "[" + std::string(name) + "] is already defined at " +
                                      first_source + "; it may appear in one file only");
    return false;
  }
  first_source = sink.location(table.source());
  return true;
}

void RuleSetBuilder::read_news2(const toml::table& table, DiagnosticSink& sink) {
  TableReader r(table, "[news2]", sink);
  const auto enabled = r.get_bool("enabled");
  const auto window = r.get_duration("window");
  r.reject_unknown_keys();
  if (!claim_builtin(set_.news2.source, "news2", table, sink)) return;
  // Writing the table at all is the request for NEWS2, so `enabled` defaults
  // to true here; `enabled = false` keeps the settings but switches it off.
  set_.news2.enabled = enabled.value_or(true);
  if (window && window->count() == 0) r.error_at("window", "must be greater than 0s");
  if (window) set_.news2.window = *window;
}

void RuleSetBuilder::read_signal_lost(const toml::table& table, DiagnosticSink& sink) {
  TableReader r(table, "[signal_lost]", sink);
  const auto after = r.get_duration("after");
  const auto severity = read_choice(r, "severity", kSeverityNames, Required::no);
  r.reject_unknown_keys();
  if (!claim_builtin(set_.signal_lost.source, "signal_lost", table, sink)) return;
  set_.signal_lost.enabled = true;  // SPEC §3: present means on
  if (after && after->count() == 0) r.error_at("after", "must be greater than 0s");
  if (after) set_.signal_lost.after = *after;
  if (severity) set_.signal_lost.severity = *parse_severity(*severity);
}

void RuleSetBuilder::check_not_empty(const fs::path& path) {
  if (!set_.thresholds.empty() || set_.news2.enabled) return;
  out_.push_back({path.string(), 0, 0,
                  "no rules found: no [[alert]] and no enabled [news2]; a monitor with no rules "
                  "monitors nothing"});
}

Expected<RuleSet, Diagnostics> load_rules_or_throw(const fs::path& path) {
  Diagnostics diagnostics;
  RuleSetBuilder builder(diagnostics);
  const std::vector<fs::path> files = rule_files(path, diagnostics);
  for (const fs::path& file : files) builder.add_file(file);
  if (diagnostics.empty()) builder.check_not_empty(path);
  if (!diagnostics.empty()) return unexpected(std::move(diagnostics));
  return builder.take();
}

}  // namespace

Expected<RuleSet, Diagnostics> load_rules(const fs::path& path) {
  // As in load_config: nothing may escape into a SIGHUP reload.
  try {
    return load_rules_or_throw(path);
  } catch (const std::exception& e) {
    return unexpected(Diagnostics{{path.string(), 0, 0, std::string("cannot load: ") + e.what()}});
  }
}

}  // namespace vitalsd
