// vitals-pub's command line: what it accepts, and the one-line reason for
// everything it refuses (main() turns those into exit status 2).
#include <gtest/gtest.h>

#include "options.h"

namespace vitals_pub {
namespace {

vitalsd::Expected<Command, std::string> parse(std::vector<std::string_view> args) {
  return parse_command_line(args);
}

TEST(VitalsPubOptions, DefaultsNeedOnlyABound) {
  auto cmd = parse({"--count", "5"});
  ASSERT_TRUE(cmd.has_value()) << cmd.error();
  const Options& o = cmd->options;
  EXPECT_EQ(o.broker, "tcp://127.0.0.1:1883");
  EXPECT_EQ(o.patients, 10U);
  EXPECT_EQ(o.rate, 10.0);
  EXPECT_EQ(o.qos, 1);
  EXPECT_EQ(o.topic_prefix, "vitals");
  EXPECT_FALSE(o.seed.has_value());
  EXPECT_EQ(o.client_count(), 1U);
}

TEST(VitalsPubOptions, EveryOptionIsTakenInBothSpellings) {
  auto cmd = parse({"--broker=ssl://h:8883",
                    "--patients",
                    "20",
                    "--rate=0",
                    "--count",
                    "100",
                    "--duration",
                    "1m30s",
                    "--qos",
                    "0",
                    "--seed",
                    "18446744073709551615",
                    "--scenario",
                    "sepsis:3",
                    "--scenario=artefacts:all",
                    "--topic-prefix",
                    "ward7/vitals",
                    "--time-scale",
                    "60",
                    "--min-hold",
                    "45s",
                    "--artefact-rate",
                    "0.2",
                    "--clients",
                    "4",
                    "--max-inflight",
                    "64",
                    "--client-id",
                    "lg",
                    "--username",
                    "u",
                    "--password-file",
                    "/p",
                    "--ca-file",
                    "/ca",
                    "--cert-file",
                    "/c",
                    "--key-file",
                    "/k",
                    "--rules",
                    "r",
                    "--report",
                    "out.json",
                    "-q"});
  ASSERT_TRUE(cmd.has_value()) << cmd.error();
  const Options& o = cmd->options;
  EXPECT_EQ(o.broker, "ssl://h:8883");
  EXPECT_EQ(o.patients, 20U);
  EXPECT_EQ(o.rate, 0.0);
  EXPECT_EQ(o.count, 100U);
  EXPECT_EQ(o.duration_s, 90.0);
  EXPECT_EQ(o.qos, 0);
  EXPECT_EQ(o.seed, 18446744073709551615ULL);
  ASSERT_EQ(o.scenarios.size(), 2U);
  EXPECT_EQ(o.scenarios[0].name, "sepsis");
  EXPECT_EQ(o.scenarios[0].selector, "3");
  EXPECT_EQ(o.scenarios[1].selector, "all");
  EXPECT_EQ(o.topic_prefix, "ward7/vitals");
  EXPECT_EQ(o.time_scale, 60.0);
  EXPECT_EQ(o.min_hold_s, 45.0);
  EXPECT_EQ(o.artefact_rate, 0.2);
  EXPECT_EQ(o.client_count(), 4U);
  EXPECT_EQ(o.max_inflight, 64U);
  EXPECT_EQ(o.client_id, "lg");
  EXPECT_EQ(o.key_file, "/k");
  EXPECT_EQ(o.rules, "r");
  EXPECT_EQ(o.report, "out.json");
  EXPECT_TRUE(o.quiet);
}

TEST(VitalsPubOptions, PlanAndDropoutGap) {
  auto cmd = parse({"--plan", "--dropout-gap", "15s", "--scenario", "dropout"});
  ASSERT_TRUE(cmd.has_value()) << cmd.error();
  EXPECT_TRUE(cmd->options.plan);
  EXPECT_EQ(cmd->options.dropout_gap_s, 15.0);
  EXPECT_FALSE(parse({"--count", "1"})->options.plan);
  EXPECT_EQ(parse({"--count", "1"})->options.dropout_gap_s, 180.0);
  EXPECT_TRUE(parse({"--plan", "--rate", "0", "--count", "10"}).has_value());
}

TEST(VitalsPubOptions, NagleIsOffUnlessAskedFor) {
  EXPECT_FALSE(parse({"--count", "1"})->options.nagle);
  EXPECT_TRUE(parse({"--count", "1", "--nagle"})->options.nagle);
}

TEST(VitalsPubOptions, FlatOutDefaultsToTwoClients) {
  auto cmd = parse({"--rate", "0", "--count", "1"});
  ASSERT_TRUE(cmd.has_value());
  EXPECT_EQ(cmd->options.client_count(), 2U);
}

TEST(VitalsPubOptions, AScenarioWithALengthBoundsTheRun) {
  EXPECT_TRUE(parse({"--scenario", "dropout"}).has_value());
  EXPECT_FALSE(parse({"--scenario", "artefacts"}).has_value());
}

TEST(VitalsPubOptions, HelpVersionAndListNeedNoBound) {
  EXPECT_EQ(parse({"--count", "1", "--help"})->action, Command::Action::help);
  EXPECT_EQ(parse({"--help"})->action, Command::Action::help);
  EXPECT_EQ(parse({"-h"})->action, Command::Action::help);
  EXPECT_EQ(parse({"--version"})->action, Command::Action::version);
  EXPECT_EQ(parse({"--list-scenarios"})->action, Command::Action::list_scenarios);
}

TEST(VitalsPubOptions, BadInputIsRefusedWithAReason) {
  struct Case {
    std::vector<std::string_view> args;
    const char* error_contains;
  };
  const std::vector<Case> cases = {
      {{}, "refusing an unbounded run"},
      {{"--rate", "5"}, "refusing an unbounded run"},
      {{"--count", "0"}, "--count 0: must be a positive integer"},
      {{"--count", "-3"}, "must be a positive integer"},
      {{"--count", "5x"}, "must be a positive integer"},
      {{"--count"}, "--count needs a value"},
      {{"--duration", "5"}, "missing unit"},
      {{"--duration", "5sec"}, "unknown unit 'sec'"},
      {{"--duration", "0s"}, "longer than 0s"},
      {{"--duration", "s"}, "expected a number"},
      {{"--rate", "-1", "--count", "1"}, "--rate -1"},
      {{"--rate", "nan", "--count", "1"}, "--rate nan"},
      {{"--qos", "2", "--count", "1"}, "must be 0 or 1"},
      {{"--patients", "0", "--count", "1"}, "must be 1-100000"},
      {{"--patients", "100001", "--count", "1"}, "must be 1-100000"},
      {{"--seed", "-1", "--count", "1"}, "unsigned 64-bit"},
      {{"--scenario", "flu", "--count", "1"}, "unknown scenario 'flu' (known: sepsis"},
      {{"--scenario", "sepsis:", "--count", "1"}, "empty patient selector"},
      {{"--topic-prefix", "vitals/+", "--count", "1"}, "without wildcards"},
      {{"--topic-prefix", "vitals/", "--count", "1"}, "without wildcards"},
      {{"--time-scale", "0", "--count", "1"}, "(0, 10000]"},
      {{"--artefact-rate", "1.5", "--count", "1"}, "fraction from 0 to 1"},
      {{"--clients", "0", "--count", "1"}, "must be 1-64"},
      {{"--max-inflight", "0", "--count", "1"}, "must be 1-65535"},
      {{"--key-file", "k", "--count", "1"}, "--key-file needs --cert-file"},
      {{"--rules", "r", "--no-rules", "--count", "1"}, "contradict"},
      {{"--dropout-gap", "0s", "--count", "1"}, "--dropout-gap 0s: must be longer than 0s"},
      {{"--plan", "--rate", "0", "--duration", "5s"}, "--plan cannot foresee"},
      {{"--broker", "", "--count", "1"}, "must not be empty"},
      {{"--frobnicate", "--count", "1"}, "unknown option '--frobnicate'"},
      {{"count", "1"}, "unknown option 'count'"},
  };
  for (const Case& c : cases) {
    auto cmd = parse(c.args);
    ASSERT_FALSE(cmd.has_value()) << "accepted: " << (c.args.empty() ? "" : c.args[0]);
    EXPECT_NE(cmd.error().find(c.error_contains), std::string::npos)
        << "expected '" << c.error_contains << "' in '" << cmd.error() << "'";
  }
}

TEST(VitalsPubOptions, DurationsAreWrittenLikeTheConfigs) {
  struct Case {
    const char* text;
    double seconds;
  };
  const Case cases[] = {{"250ms", 0.25},        {"5s", 5},     {"2m", 120},
                        {"1h", 3600},           {"1m30s", 90}, {"0s", 0},
                        {"1h1m1s1ms", 3661.001}};
  for (const Case& c : cases) {
    auto d = parse_duration_seconds(c.text);
    ASSERT_TRUE(d.has_value()) << c.text;
    EXPECT_DOUBLE_EQ(*d, c.seconds) << c.text;
  }
}

TEST(VitalsPubOptions, HelpExplainsEveryOptionAndListsScenarios) {
  const std::string help = help_text();
  for (const char* word :
       {"--broker",   "--patients",      "--rate",     "--count",        "--duration",
        "--qos",      "--seed",          "--scenario", "--topic-prefix", "--time-scale",
        "--min-hold", "--artefact-rate", "--clients",  "--max-inflight", "--client-id",
        "--username", "--password-file", "--ca-file",  "--cert-file",    "--key-file",
        "--report",   "--rules",         "--no-rules", "--quiet",        "--list-scenarios",
        "--plan",     "--dropout-gap",   "--nagle",    "sepsis",         "hypoxia",
        "opioid",     "bradycardia",     "copd",       "dropout",        "artefacts"}) {
    EXPECT_NE(help.find(word), std::string::npos) << word;
  }
}

}  // namespace
}  // namespace vitals_pub
