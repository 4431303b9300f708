#include "app/command_line.h"

#include <gtest/gtest.h>

namespace vitalsd {
namespace {

TEST(CommandLine, DefaultsToRunningWithTheSystemConfig) {
  auto cl = parse_command_line({});
  ASSERT_TRUE(cl);
  EXPECT_EQ(cl->action, CommandLine::Action::run);
  EXPECT_EQ(cl->config, kDefaultConfigPath);
}

TEST(CommandLine, ParsesEveryForm) {
  EXPECT_EQ(parse_command_line({"--config", "x.toml"})->config, "x.toml");
  EXPECT_EQ(parse_command_line({"--config=y.toml"})->config, "y.toml");
  EXPECT_EQ(parse_command_line({"-c", "z.toml"})->config, "z.toml");
  auto check = parse_command_line({"--check-config", "--config", "x.toml"});
  ASSERT_TRUE(check);
  EXPECT_EQ(check->action, CommandLine::Action::check_config);
  EXPECT_EQ(check->config, "x.toml");
  EXPECT_EQ(parse_command_line({"--version"})->action, CommandLine::Action::version);
  EXPECT_EQ(parse_command_line({"--help"})->action, CommandLine::Action::help);
}

TEST(CommandLine, RejectsUnknownAndIncompleteOptions) {
  EXPECT_EQ(parse_command_line({"--bogus"}).error(), "unknown option '--bogus' (see --help)");
  EXPECT_EQ(parse_command_line({"--config"}).error(), "--config needs a file");
  EXPECT_FALSE(parse_command_line({"--config="}));
}

}  // namespace
}  // namespace vitalsd
