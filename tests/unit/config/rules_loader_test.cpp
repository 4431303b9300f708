#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "config/config_loader.h"
#include "config/temp_dir.h"

namespace vitalsd {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;

const fs::path kSourceDir = VITALSD_SOURCE_DIR;

// A rule that loads; tests change one thing about it.
constexpr const char* kGoodAlert = R"([[alert]]
name = "spo2_low"
metric = "spo2"
direction = "below"
levels = [
  { threshold = 92, severity = "low" },
  { threshold = 90, severity = "medium" },
]
)";

class RulesLoaderTest : public ::testing::Test {
 protected:
  // Given one rules file holding `toml`, when it is loaded, then it loads.
  RuleSet load_ok(std::string_view toml) {
    auto rules = load_rules(dir_.write("rules.toml", toml));
    if (!rules) ADD_FAILURE() << "unexpected error: " << rules.error().front().to_string();
    return rules ? *rules : RuleSet{};
  }

  // Given one rules file holding `toml`, when it is loaded, then it is
  // refused with these diagnostics.
  std::vector<std::string> errors_of(std::string_view toml) {
    return errors_of_path(dir_.write("rules.toml", toml));
  }

  std::vector<std::string> errors_of_path(const fs::path& path) {
    auto rules = load_rules(path);
    if (rules) {
      ADD_FAILURE() << "loaded, but should have been refused: " << path;
      return {};
    }
    const std::string prefix = (dir_.path() / "").string();
    std::vector<std::string> out;
    for (const Diagnostic& d : rules.error()) {
      std::string text = d.to_string();
      if (text.starts_with(prefix)) text.erase(0, prefix.size());
      out.push_back(text);
    }
    return out;
  }

  testing::TempDir dir_;
};

TEST_F(RulesLoaderTest, ShippedRulesLoadAndCoverEveryVital) {
  const auto rules = load_rules(kSourceDir / "rules");
  ASSERT_TRUE(rules.has_value()) << rules.error().front().to_string();

  std::set<Vital> covered;
  for (const ThresholdRule& rule : rules->thresholds) {
    covered.insert(rule.metric);
    EXPECT_FALSE(rule.levels.empty()) << rule.name;
    EXPECT_TRUE(rule.source.find("/rules/") != std::string::npos) << rule.source;
  }
  EXPECT_EQ(covered.size(), kVitalCount) << "every vital needs at least one default rule";
  for (const char* name : {"hr_high", "hr_low", "spo2_low", "rr_high", "rr_low", "temp_high",
                           "temp_low", "sbp_low", "sbp_high", "dbp_high", "dbp_low"}) {
    EXPECT_NE(rules->find(name), nullptr) << name;
  }
  EXPECT_TRUE(rules->news2.enabled);
  EXPECT_EQ(rules->news2.window, std::chrono::minutes(5));
  EXPECT_TRUE(rules->signal_lost.enabled);
  EXPECT_EQ(rules->signal_lost.after, seconds(120));
  EXPECT_EQ(rules->signal_lost.severity, Severity::medium);
}

TEST_F(RulesLoaderTest, ShippedSpo2RuleMatchesNews2Scale1) {
  const auto rules = load_rules(kSourceDir / "rules");
  ASSERT_TRUE(rules.has_value());
  const ThresholdRule* spo2 = rules->find("spo2_low");
  ASSERT_NE(spo2, nullptr);
  // NEWS2 Scale 1 scores <=91 as 3: the medium level must fire at 91.
  ASSERT_GE(spo2->levels.size(), 2U);
  EXPECT_EQ(spo2->levels[1].severity, Severity::medium);
  EXPECT_LT(91.0, spo2->levels[1].threshold) << "91 breaches medium";
  EXPECT_GE(92.0, spo2->levels[1].threshold) << "92 does not";
}

TEST_F(RulesLoaderTest, ReadsEveryFieldOfAnAlert) {
  const RuleSet rules = load_ok(R"(# comment
[[alert]]
name = "temp_high"
metric = "temp"
direction = "above"
levels = [
  { threshold = 38, severity = "low" },
  { threshold = 39.5, severity = "high" },
]
for = "1m30s"
hysteresis = 0.2
)");
  ASSERT_EQ(rules.thresholds.size(), 1U);
  const ThresholdRule& rule = rules.thresholds[0];
  EXPECT_EQ(rule.name, "temp_high");
  EXPECT_EQ(rule.metric, Vital::temp);
  EXPECT_EQ(rule.direction, Direction::above);
  ASSERT_EQ(rule.levels.size(), 2U);
  EXPECT_EQ(rule.levels[0].threshold, 38.0) << "integer thresholds are accepted";
  EXPECT_EQ(rule.levels[0].severity, Severity::low);
  EXPECT_EQ(rule.levels[1].threshold, 39.5);
  EXPECT_EQ(rule.levels[1].severity, Severity::high);
  EXPECT_EQ(rule.for_duration, seconds(90));
  EXPECT_DOUBLE_EQ(rule.hysteresis, 0.2);
  EXPECT_EQ(rule.source, (dir_.path() / "rules.toml").string() + ":2");
  EXPECT_FALSE(rules.news2.enabled) << "off unless present";
  EXPECT_FALSE(rules.signal_lost.enabled) << "off unless present";
}

TEST_F(RulesLoaderTest, OptionalAlertKeysDefault) {
  const RuleSet rules = load_ok(kGoodAlert);
  ASSERT_EQ(rules.thresholds.size(), 1U);
  EXPECT_EQ(rules.thresholds[0].for_duration, milliseconds(0));
  EXPECT_EQ(rules.thresholds[0].hysteresis, 0.0);
}

TEST_F(RulesLoaderTest, LevelsMayBeWrittenAsArrayOfTables) {
  const RuleSet rules = load_ok(R"([[alert]]
name = "hr_low"
metric = "hr"
direction = "below"
[[alert.levels]]
threshold = 50
severity = "low"
[[alert.levels]]
threshold = 40
severity = "high"
)");
  ASSERT_EQ(rules.thresholds.size(), 1U);
  EXPECT_EQ(rules.thresholds[0].levels.size(), 2U);
}

TEST_F(RulesLoaderTest, BuiltinTables) {
  // [news2] present: enabled unless it says otherwise.
  RuleSet rules = load_ok("[news2]\n");
  EXPECT_TRUE(rules.news2.enabled);
  EXPECT_EQ(rules.news2.window, std::chrono::minutes(5));
  EXPECT_EQ(rules.news2.source, (dir_.path() / "rules.toml").string() + ":1");

  rules = load_ok(std::string(kGoodAlert) + "[news2]\nenabled = false\nwindow = \"10m\"\n");
  EXPECT_FALSE(rules.news2.enabled);
  EXPECT_EQ(rules.news2.window, std::chrono::minutes(10));

  rules = load_ok("[news2]\n[signal_lost]\n");
  EXPECT_TRUE(rules.signal_lost.enabled);
  EXPECT_EQ(rules.signal_lost.after, seconds(120));
  EXPECT_EQ(rules.signal_lost.severity, Severity::medium);
  EXPECT_EQ(rules.signal_lost.source, (dir_.path() / "rules.toml").string() + ":2");

  rules = load_ok("[news2]\n[signal_lost]\nafter = \"5m\"\nseverity = \"high\"\n");
  EXPECT_EQ(rules.signal_lost.after, std::chrono::minutes(5));
  EXPECT_EQ(rules.signal_lost.severity, Severity::high);
}

// Each case: a whole rules file, and the diagnostics it must produce.
struct RefusalCase {
  std::string toml;
  std::string diagnostic;  // "rules.toml:line:col: message", one per line
};

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += (out.empty() ? "" : "\n") + line;
  return out;
}

// kGoodAlert with `from` replaced by `to`.
std::string good_alert_with(std::string_view from, std::string_view to) {
  std::string toml = kGoodAlert;
  const auto at = toml.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) toml.replace(at, from.size(), to);
  return toml;
}

TEST_F(RulesLoaderTest, RefusesEachProblemAtItsLineAndColumn) {
  const RefusalCase cases[] = {
      // Unknown keys, at every level of the file.
      {std::string(kGoodAlert) + "hysteresys = 1\n",
       "rules.toml:9:1: unknown key 'hysteresys' in [[alert]] 'spo2_low'; did you mean "
       "'hysteresis'?"},
      {good_alert_with("{ threshold = 92", "{ treshold = 92"),
       "rules.toml:6:3: [[alert]] 'spo2_low' levels[0] is missing required key 'threshold'\n"
       "rules.toml:6:5: unknown key 'treshold' in [[alert]] 'spo2_low' levels[0]; did you mean "
       "'threshold'?"},
      {"[[alerts]]\nname = \"x\"\n",
       "rules.toml:1:3: unknown section [[alerts]]; did you mean [[alert]]?"},
      {"[news]\n", "rules.toml:1:2: unknown section [news]; did you mean [news2]?"},
      {"version = 2\n", "rules.toml:1:1: unknown key 'version' at top level"},
      {"[news2]\nwindows = \"5m\"\n",
       "rules.toml:2:1: unknown key 'windows' in [news2]; did you mean 'window'?"},
      {"[news2]\n[signal_lost]\nenabled = true\n",
       "rules.toml:3:1: unknown key 'enabled' in [signal_lost]"},
      // Required keys and their types.
      {good_alert_with("name = \"spo2_low\"\n", ""),
       "rules.toml:1:1: [[alert]] is missing required key 'name'"},
      {good_alert_with("metric = \"spo2\"\n", ""),
       "rules.toml:1:1: [[alert]] 'spo2_low' is missing required key 'metric'"},
      {good_alert_with("direction = \"below\"\n", ""),
       "rules.toml:1:1: [[alert]] 'spo2_low' is missing required key 'direction'"},
      {"[[alert]]\nname = \"x\"\nmetric = \"hr\"\ndirection = \"above\"\n",
       "rules.toml:1:1: [[alert]] 'x' is missing required key 'levels'"},
      {"[[alert]]\nname = \"x\"\nmetric = \"hr\"\ndirection = \"above\"\nlevels = []\n",
       "rules.toml:5:10: [[alert]] 'x' levels: must list at least one { threshold, severity }"},
      {"[[alert]]\nname = \"x\"\nmetric = \"hr\"\ndirection = \"above\"\nlevels = 110\n",
       "rules.toml:5:10: [[alert]] 'x' levels: expected array, got integer"},
      {"[[alert]]\nname = \"x\"\nmetric = \"hr\"\ndirection = \"above\"\nlevels = [110]\n",
       "rules.toml:5:11: [[alert]] 'x' levels[0]: expected a table such as { threshold = 90, "
       "severity = \"low\" }, got integer"},
      {good_alert_with("threshold = 92", "threshold = \"92\""),
       "rules.toml:6:17: [[alert]] 'spo2_low' levels[0] threshold: expected a number, got string"},
      {good_alert_with("threshold = 92", "threshold = nan"),
       "rules.toml:6:17: [[alert]] 'spo2_low' levels[0] threshold: must be a finite number"},
      {good_alert_with("{ threshold = 92, severity = \"low\" }", "{ severity = \"low\" }"),
       "rules.toml:6:3: [[alert]] 'spo2_low' levels[0] is missing required key 'threshold'"},
      {good_alert_with("{ threshold = 92, severity = \"low\" }", "{ threshold = 92 }"),
       "rules.toml:6:3: [[alert]] 'spo2_low' levels[0] is missing required key 'severity'"},
      {"alert = 1\n", "rules.toml:1:9: alert: expected array, got integer"},
      {"[alert]\nname = \"x\"\n", "rules.toml:1:1: alert: write [[alert]], not [alert]"},
      {"alert = [1]\n", "rules.toml:1:10: alert: expected a table, got integer"},
      // Values outside their vocabulary.
      {good_alert_with("\"spo2\"", "\"sp02\""),
       "rules.toml:3:10: [[alert]] 'spo2_low' metric: 'sp02' is not one of hr, spo2, rr, temp, "
       "sbp, dbp; did you mean 'spo2'?"},
      {good_alert_with("\"spo2\"", "\"pulse\""),
       "rules.toml:3:10: [[alert]] 'spo2_low' metric: 'pulse' is not one of hr, spo2, rr, temp, "
       "sbp, dbp"},
      {good_alert_with("\"below\"", "\"under\""),
       "rules.toml:4:13: [[alert]] 'spo2_low' direction: 'under' is not one of below, above"},
      {good_alert_with("\"medium\"", "\"critical\""),
       "rules.toml:7:32: [[alert]] 'spo2_low' levels[1] severity: 'critical' is not one of low, "
       "medium, high"},
      {good_alert_with("\"medium\"", "\"meduim\""),
       "rules.toml:7:32: [[alert]] 'spo2_low' levels[1] severity: 'meduim' is not one of low, "
       "medium, high; did you mean 'medium'?"},
      // Names.
      {good_alert_with("\"spo2_low\"", "\"SpO2-Low\""),
       "rules.toml:2:8: [[alert]] name: 'SpO2-Low' may contain only a-z, 0-9 and _"},
      {good_alert_with("\"spo2_low\"", "\"\""),
       "rules.toml:2:8: [[alert]] name: must not be empty"},
      {good_alert_with("\"spo2_low\"", "\"" + std::string(65, 'a') + "\""),
       "rules.toml:2:8: [[alert]] name: must be at most 64 characters"},
      {good_alert_with("\"spo2_low\"", "\"news2\""),
       "rules.toml:2:8: [[alert]] name: 'news2' is reserved for the built-in rule"},
      {good_alert_with("\"spo2_low\"", "\"signal_lost\""),
       "rules.toml:2:8: [[alert]] name: 'signal_lost' is reserved for the built-in rule"},
      // Level order: mildest first.
      {good_alert_with("threshold = 90", "threshold = 93"),
       "rules.toml:7:17: [[alert]] 'spo2_low' levels[1] threshold: 93 must be lower than the 92 "
       "before it (list levels mildest first)"},
      {good_alert_with("threshold = 90", "threshold = 92"),
       "rules.toml:7:17: [[alert]] 'spo2_low' levels[1] threshold: 92 must be lower than the 92 "
       "before it (list levels mildest first)"},
      {good_alert_with("\"below\"", "\"above\""),
       "rules.toml:7:17: [[alert]] 'spo2_low' levels[1] threshold: 90 must be higher than the 92 "
       "before it (list levels mildest first)"},
      {good_alert_with("\"medium\"", "\"low\""),
       "rules.toml:7:32: [[alert]] 'spo2_low' levels[1] severity: 'low' must be more severe than "
       "the 'low' before it (list levels mildest first)"},
      // Numbers that cannot work.
      {good_alert_with("threshold = 92", "threshold = 920"),
       "rules.toml:6:17: [[alert]] 'spo2_low' levels[0] threshold: 920 is outside the range of "
       "spo2 readings (0 to 100)"},
      {std::string(kGoodAlert) + "hysteresis = -1\n",
       "rules.toml:9:14: [[alert]] 'spo2_low' hysteresis: must be at least 0, got -1"},
      {std::string(kGoodAlert) + "hysteresis = \"1\"\n",
       "rules.toml:9:14: [[alert]] 'spo2_low' hysteresis: expected a number, got string"},
      {std::string(kGoodAlert) + "hysteresis = 9\n",
       "rules.toml:9:14: [[alert]] 'spo2_low' hysteresis: 9 puts the clear point at 101, which "
       "no spo2 reading can reach, so the alert could never clear"},
      {std::string(kGoodAlert) + "for = \"15\"\n",
       "rules.toml:9:7: [[alert]] 'spo2_low' for: missing unit in '15' (use ms, s, m or h)"},
      {std::string(kGoodAlert) + "for = 15\n",
       "rules.toml:9:7: [[alert]] 'spo2_low' for: expected a duration string such as \"30s\", got "
       "integer"},
      {"[news2]\nwindow = \"0s\"\n", "rules.toml:2:10: [news2] window: must be greater than 0s"},
      {"[news2]\nenabled = \"yes\"\n",
       "rules.toml:2:11: [news2] enabled: expected boolean, got string"},
      {"[news2]\n[signal_lost]\nafter = \"0s\"\n",
       "rules.toml:3:9: [signal_lost] after: must be greater than 0s"},
      {"[news2]\n[signal_lost]\nseverity = \"urgent\"\n",
       "rules.toml:3:12: [signal_lost] severity: 'urgent' is not one of low, medium, high"},
      // Syntax.
      {"[[alert]\n", "rules.toml:1:9: Error while parsing table header: expected ']', saw '\\n'"},
  };
  for (const RefusalCase& c : cases) {
    SCOPED_TRACE(c.toml);
    EXPECT_EQ(join_lines(errors_of(c.toml)), c.diagnostic);
  }
}

TEST_F(RulesLoaderTest, ReportsEveryProblemOfARuleInFileOrder) {
  EXPECT_THAT(errors_of(R"([[alert]]
name = "Bad Name"
metric = "bp"
direction = "up"
levels = [{ threshold = "high", severity = "severe" }]
colour = "red"
)"),
              ElementsAre("rules.toml:2:8: [[alert]] name: 'Bad Name' may contain only a-z, 0-9 "
                          "and _",
                          "rules.toml:3:10: [[alert]] metric: 'bp' is not one of hr, spo2, rr, "
                          "temp, sbp, dbp",
                          "rules.toml:4:13: [[alert]] direction: 'up' is not one of below, above",
                          "rules.toml:5:25: [[alert]] levels[0] threshold: expected a number, got "
                          "string",
                          "rules.toml:5:44: [[alert]] levels[0] severity: 'severe' is not one of "
                          "low, medium, high",
                          "rules.toml:6:1: unknown key 'colour' in [[alert]]"));
}

TEST_F(RulesLoaderTest, DirectoryFilesLoadInNameOrderIgnoringOthers) {
  // Given a directory with rule files out of order, and files that are not rules,
  dir_.write("rules/b.toml",
             "[[alert]]\nname = \"b\"\nmetric = \"hr\"\ndirection = \"above\"\n"
             "levels = [{ threshold = 120, severity = \"low\" }]\n");
  dir_.write("rules/a.toml",
             "[[alert]]\nname = \"a2\"\nmetric = \"rr\"\ndirection = \"above\"\n"
             "levels = [{ threshold = 25, severity = \"low\" }]\n"
             "[[alert]]\nname = \"a1\"\nmetric = \"rr\"\ndirection = \"below\"\n"
             "levels = [{ threshold = 8, severity = \"low\" }]\n");
  dir_.write("rules/README.md", "not toml [[");
  dir_.write("rules/.#a.toml", "editor lock file [[");
  dir_.write("rules/a.toml~", "editor backup [[");
  dir_.write("rules/nested/c.toml", "[[alert]]\nname = \"nested\"\n");

  // when the directory is loaded,
  const auto rules = load_rules(dir_.path() / "rules");
  ASSERT_TRUE(rules.has_value()) << rules.error().front().to_string();

  // then rules come file by file in name order, each file in its own order.
  std::vector<std::string> names;
  for (const ThresholdRule& rule : rules->thresholds) names.push_back(rule.name);
  EXPECT_THAT(names, ElementsAre("a2", "a1", "b"));
  EXPECT_EQ(rules->thresholds[0].source, (dir_.path() / "rules/a.toml").string() + ":1");
  EXPECT_EQ(rules->thresholds[2].source, (dir_.path() / "rules/b.toml").string() + ":1");
}

TEST_F(RulesLoaderTest, DuplicateNameAcrossFilesNamesBothLocations) {
  dir_.write("rules/a.toml", kGoodAlert);
  dir_.write("rules/b.toml", std::string("\n\n") + kGoodAlert);
  EXPECT_THAT(errors_of_path(dir_.path() / "rules"),
              ElementsAre("rules/b.toml:4:8: [[alert]] name: duplicate rule name 'spo2_low', "
                          "first defined at " +
                          (dir_.path() / "rules/a.toml").string() + ":1"));
}

TEST_F(RulesLoaderTest, DuplicateNameWithinAFile) {
  EXPECT_THAT(errors_of(std::string(kGoodAlert) + kGoodAlert),
              ElementsAre("rules.toml:10:8: [[alert]] name: duplicate rule name 'spo2_low', first "
                          "defined at " +
                          (dir_.path() / "rules.toml").string() + ":1"));
}

TEST_F(RulesLoaderTest, BuiltinTablesMayAppearInOneFileOnly) {
  dir_.write("rules/a.toml", "[news2]\n[signal_lost]\n");
  dir_.write("rules/b.toml", "\n[news2]\nwindow = \"10m\"\n[signal_lost]\n");
  const std::string first = (dir_.path() / "rules/a.toml").string();
  EXPECT_THAT(errors_of_path(dir_.path() / "rules"),
              ElementsAre("rules/b.toml:2:1: [news2] is already defined at " + first +
                              ":1; it may appear in one file only",
                          "rules/b.toml:4:1: [signal_lost] is already defined at " + first +
                              ":2; it may appear in one file only"));
}

TEST_F(RulesLoaderTest, OneBadFileRefusesTheWholeSet) {
  dir_.write("rules/a.toml", kGoodAlert);
  dir_.write("rules/b.toml", "[news2]\nwindow = \"5 minutes\"\n");
  dir_.write("rules/c.toml", good_alert_with("spo2_low", "spo2_very_low") + "bogus = 1\n");
  EXPECT_THAT(errors_of_path(dir_.path() / "rules"),
              ElementsAre("rules/b.toml:2:10: [news2] window: unexpected character ' ' in '5 "
                          "minutes'",
                          "rules/c.toml:9:1: unknown key 'bogus' in [[alert]] 'spo2_very_low'"));
}

TEST_F(RulesLoaderTest, NoRulesAtAllIsRefused) {
  // An empty directory,
  dir_.mkdir("empty");
  EXPECT_THAT(errors_of_path(dir_.path() / "empty"),
              ElementsAre("empty: no rules found: the directory holds no *.toml files"));
  // files that define nothing clinical,
  dir_.write("quiet/a.toml", "# nothing yet\n");
  dir_.write("quiet/b.toml", "[signal_lost]\n[news2]\nenabled = false\n");
  EXPECT_THAT(errors_of_path(dir_.path() / "quiet"),
              ElementsAre("quiet: no rules found: no [[alert]] and no enabled [news2]; a monitor "
                          "with no rules monitors nothing"));
  // and a path that does not exist are all refused.
  EXPECT_THAT(errors_of_path(dir_.path() / "absent"),
              ElementsAre("absent: cannot read rules: No such file or directory"));
}

TEST_F(RulesLoaderTest, News2AloneIsEnoughToMonitor) {
  const RuleSet rules = load_ok("[news2]\n");
  EXPECT_TRUE(rules.thresholds.empty());
  EXPECT_TRUE(rules.news2.enabled);
}

}  // namespace
}  // namespace vitalsd
