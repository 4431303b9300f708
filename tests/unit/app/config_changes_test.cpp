#include "app/config_changes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <utility>

#include "config/config_loader.h"
#include "config/temp_dir.h"

namespace vitalsd {
namespace {

namespace fs = std::filesystem;

// section -> key -> TOML literal
using Tables = std::map<std::string, std::map<std::string, std::string>>;

// The config every row starts from: credentials and a client certificate set,
// so that password_file and key_file can change on their own.
const Tables kBase = {
    {"mqtt",
     {{"username", R"("u")"}, {"password_file", R"("pw1")"}, {"cert_file", R"("cert.pem")"}}},
    {"rules", {{"path", R"("rules")"}}},
};

struct Row {
  std::string section;
  std::string key;
  std::string value;  // TOML literal replacing (or adding) the key
  Applies applies;
  std::string name_suffix = "";
  // Written after the base config is loaded and before the variant is.
  std::pair<std::string, std::string> rewrite = {};
};

const std::vector<Row> kRows = {
    {"mqtt", "uri", R"("ssl://broker.example:8883")", Applies::after_restart},
    {"mqtt", "client_id", R"("vitalsd-2")", Applies::after_restart},
    {"mqtt", "subscribe", R"("ward7/+")", Applies::after_restart},
    {"mqtt", "qos", "2", Applies::after_restart},
    {"mqtt", "clean_session", "true", Applies::after_restart},
    {"mqtt", "keepalive", R"("60s")", Applies::after_restart},
    {"mqtt", "username", R"("v")", Applies::after_restart},
    {"mqtt", "password_file", R"("pw2")", Applies::after_restart},
    {"mqtt",
     "password_file",
     R"("pw1")",
     Applies::after_restart,
     "Contents",
     {"pw1", "rotated-secret\n"}},
    {"mqtt", "ca_file", R"("ca.pem")", Applies::after_restart},
    {"mqtt", "cert_file", R"("cert2.pem")", Applies::after_restart},
    {"mqtt", "key_file", R"("key.pem")", Applies::after_restart},
    {"mqtt", "alert_topic_prefix", R"("ward7/alerts")", Applies::after_restart},
    {"mqtt", "ack_subscribe", R"("ward7-ack/+")", Applies::after_restart},
    {"mqtt", "rejected_topic", R"("ward7/rejected")", Applies::after_restart},
    {"redis", "enabled", "false", Applies::after_restart},
    {"redis", "host", R"("redis.example")", Applies::after_restart},
    {"redis", "port", "6380", Applies::after_restart},
    {"redis", "unix_socket", R"("redis.sock")", Applies::after_restart},
    {"redis", "password_file", R"("redis-pw")", Applies::after_restart},
    {"redis", "db", "3", Applies::after_restart},
    {"redis", "timeout", R"("2s")", Applies::after_restart},
    {"redis", "key_prefix", R"("ward7:")", Applies::after_restart},
    {"redis", "profile_ttl", R"("1m")", Applies::after_restart},
    {"redis", "stream_maxlen", "5000", Applies::after_restart},
    {"pipeline", "workers", "4", Applies::after_restart},
    {"pipeline", "queue_capacity", "128", Applies::after_restart},
    {"pipeline", "max_payload_bytes", "1024", Applies::after_restart},
    {"pipeline", "shutdown_timeout", R"("30s")", Applies::after_restart},
    {"metrics", "listen", R"("127.0.0.1:9465")", Applies::after_restart},
    {"log", "level", R"("debug")", Applies::live},
    {"log", "format", R"("json")", Applies::live},
    {"rules", "path", R"("other-rules")", Applies::live},
};

std::string to_toml(const Tables& tables) {
  std::string out;
  for (const auto& [section, keys] : tables) {
    out += "[" + section + "]\n";
    for (const auto& [key, value] : keys) out += key + " = " + value + "\n";
  }
  return out;
}

class ConfigChangesTest : public ::testing::Test {
 protected:
  ConfigChangesTest() {
    for (const char* f : {"cert.pem", "cert2.pem", "key.pem", "ca.pem"}) dir_.write(f, "PEM\n");
    dir_.write("pw1", "secret-1\n");
    dir_.write("pw2", "secret-2\n");
    dir_.write("redis-pw", "secret-3\n");
  }

  Config load(std::string_view file, const Tables& tables) {
    auto config = load_config(dir_.write(file, to_toml(tables)));
    if (!config) {
      ADD_FAILURE() << config.error().front().to_string();
      return Config{};
    }
    return *config;
  }

  testing::TempDir dir_;
};

class ConfigChangesRow : public ConfigChangesTest, public ::testing::WithParamInterface<Row> {};

TEST_P(ConfigChangesRow, GivenOneKeyChanged_WhenDiffed_ThenExactlyThatKeyIsReported) {
  const Row& row = GetParam();
  const Config running = load("running.toml", kBase);
  if (!row.rewrite.first.empty()) dir_.write(row.rewrite.first, row.rewrite.second);
  Tables changed = kBase;
  changed[row.section][row.key] = row.value;
  const Config loaded = load("loaded.toml", changed);

  const auto changes = diff_config(running, loaded);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].section, row.section);
  EXPECT_EQ(changes[0].key, row.key);
  EXPECT_EQ(changes[0].applies, row.applies);

  // After the reload the daemon runs on the new value of a live key, and
  // keeps the old value of a restart-only one (so it is reported again).
  const Config after = adopt_live_keys(running, loaded);
  if (row.applies == Applies::live) {
    EXPECT_TRUE(diff_config(after, loaded).empty());
  } else {
    EXPECT_TRUE(diff_config(after, running).empty());
    EXPECT_EQ(diff_config(after, loaded).size(), 1u);
  }
}

INSTANTIATE_TEST_SUITE_P(EveryKey, ConfigChangesRow, ::testing::ValuesIn(kRows),
                         [](const auto& info) {
                           return info.param.section + "_" + info.param.key +
                                  info.param.name_suffix;
                         });

TEST_F(ConfigChangesTest, AnUnchangedFileGivesNoChanges) {
  const Config running = load("running.toml", kBase);
  const Config loaded = load("loaded.toml", kBase);
  EXPECT_TRUE(diff_config(running, loaded).empty());
}

TEST_F(ConfigChangesTest, SeveralChangesComeInConfigFileOrder) {
  const Config running = load("running.toml", kBase);
  Tables changed = kBase;
  changed["rules"]["path"] = R"("r2")";
  changed["pipeline"]["workers"] = "8";
  changed["mqtt"]["uri"] = R"("tcp://elsewhere:1883")";
  const auto changes = diff_config(running, load("loaded.toml", changed));
  std::vector<std::string> keys;
  for (const auto& c : changes) keys.push_back(std::string(c.section) + "." + std::string(c.key));
  EXPECT_THAT(keys, ::testing::ElementsAre("mqtt.uri", "pipeline.workers", "rules.path"));
}

std::set<std::string> table_keys() {
  std::set<std::string> keys;
  for (const ConfigKey& k : config_keys()) {
    keys.insert(std::string(k.section) + "." + std::string(k.key));
  }
  return keys;
}

// The shipped config documents every key (commented out where it has no
// default); the reload table must know each, or a new key would silently be
// neither applied nor reported.
TEST(ConfigKeys, CoverEveryKeyOfTheShippedConfig) {
  std::ifstream in(fs::path(VITALSD_SOURCE_DIR) / "config/vitalsd.toml");
  ASSERT_TRUE(in);
  const std::regex section(R"(^\[([a-z_]+)\]\s*$)");
  const std::regex key(R"(^#?\s*([a-z_]+)\s*=)");
  std::set<std::string> shipped;
  std::string current, line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, section)) {
      current = m[1];
    } else if (!current.empty() && std::regex_search(line, m, key)) {
      shipped.insert(current + "." + std::string(m[1]));
    }
  }
  EXPECT_EQ(table_keys(), shipped);
}

TEST(ConfigKeys, EveryKeyHasARowInTheTableDrivenTest) {
  std::set<std::string> tested;
  for (const Row& r : kRows) tested.insert(r.section + "." + r.key);
  EXPECT_EQ(table_keys(), tested);
}

TEST(ConfigKeys, OnlyLiveKeysCanBeAdopted) {
  for (const ConfigKey& k : config_keys()) {
    EXPECT_EQ(k.adopt != nullptr, k.applies == Applies::live) << k.section << "." << k.key;
  }
}

}  // namespace
}  // namespace vitalsd
