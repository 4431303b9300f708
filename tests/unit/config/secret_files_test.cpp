// loose_secret_files: secret files other users can read or write are reported.
#include "config/secret_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/temp_dir.h"

namespace vitalsd {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

fs::path secret(const vitalsd::testing::TempDir& dir, const char* name, fs::perms mode) {
  const fs::path p = dir.write(name, "s3cret\n");
  fs::permissions(p, mode);
  return p;
}

TEST(LooseSecretFiles, ReportsOnlyFilesOtherUsersCanReadOrWrite) {
  const vitalsd::testing::TempDir dir;
  Config c;
  c.mqtt.password_file = secret(dir, "mqtt.pw", fs::perms(0600));
  c.mqtt.key_file = secret(dir, "client.key", fs::perms(0640));
  c.redis.password_file = secret(dir, "redis.pw", fs::perms(0644));
  const auto warnings = loose_secret_files(c);
  ASSERT_THAT(warnings, ElementsAre(HasSubstr("[redis] password_file")));
  EXPECT_THAT(warnings[0], HasSubstr("readable by every user on this host (mode 0644)"));
  EXPECT_THAT(warnings[0], ::testing::Not(HasSubstr("s3cret")));
}

TEST(LooseSecretFiles, IgnoresUnsetAndMissingFiles) {
  Config c;
  c.redis.password_file = "/nonexistent/redis.pw";
  EXPECT_THAT(loose_secret_files(c), IsEmpty());
}

}  // namespace
}  // namespace vitalsd
