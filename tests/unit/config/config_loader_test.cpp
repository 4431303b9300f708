#include "config/config_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "config/temp_dir.h"

namespace vitalsd {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path kSourceDir = VITALSD_SOURCE_DIR;

class ConfigLoaderTest : public ::testing::Test {
 protected:
  fs::path write_config(std::string_view toml) { return dir_.write("vitalsd.toml", toml); }

  // Given a config file holding `toml`, when it is loaded, then it loads.
  Config load_ok(std::string_view toml) {
    auto config = load_config(write_config(toml));
    if (!config) ADD_FAILURE() << "unexpected error: " << config.error().front().to_string();
    return config ? *config : Config{};
  }

  // Given a config file holding `toml`, when it is loaded, then it is refused
  // with these diagnostics, shown relative to the test's folder.
  std::vector<std::string> errors_of(std::string_view toml) {
    auto config = load_config(write_config(toml));
    if (config) {
      ADD_FAILURE() << "loaded, but should have been refused:\n" << toml;
      return {};
    }
    return relative(config.error());
  }

  std::vector<std::string> relative(const Diagnostics& diagnostics) const {
    const std::string prefix = (dir_.path() / "").string();
    std::vector<std::string> out;
    for (const Diagnostic& d : diagnostics) {
      std::string text = d.to_string();
      if (text.starts_with(prefix)) text.erase(0, prefix.size());
      out.push_back(text);
    }
    return out;
  }

  testing::TempDir dir_;
};

TEST_F(ConfigLoaderTest, ShippedConfigLoadsAndStatesEveryDefault) {
  const fs::path file = kSourceDir / "config/vitalsd.toml";
  const auto config = load_config(file);
  ASSERT_TRUE(config.has_value()) << config.error().front().to_string();

  // The shipped file documents the defaults: it must say what the code does.
  const Config defaults;
  EXPECT_EQ(config->mqtt.uri, defaults.mqtt.uri);
  EXPECT_EQ(config->mqtt.client_id, defaults.mqtt.client_id);
  EXPECT_EQ(config->mqtt.subscribe, defaults.mqtt.subscribe);
  EXPECT_EQ(config->mqtt.qos, defaults.mqtt.qos);
  EXPECT_EQ(config->mqtt.clean_session, defaults.mqtt.clean_session);
  EXPECT_EQ(config->mqtt.keepalive, defaults.mqtt.keepalive);
  EXPECT_EQ(config->mqtt.username, defaults.mqtt.username);
  EXPECT_TRUE(config->mqtt.password_file.empty());
  EXPECT_TRUE(config->mqtt.ca_file.empty());
  EXPECT_EQ(config->mqtt.alert_topic_prefix, defaults.mqtt.alert_topic_prefix);
  EXPECT_EQ(config->mqtt.ack_subscribe, defaults.mqtt.ack_subscribe);
  EXPECT_EQ(config->mqtt.rejected_topic, defaults.mqtt.rejected_topic);
  EXPECT_EQ(config->redis.enabled, defaults.redis.enabled);
  EXPECT_EQ(config->redis.host, defaults.redis.host);
  EXPECT_EQ(config->redis.port, defaults.redis.port);
  EXPECT_TRUE(config->redis.unix_socket.empty());
  EXPECT_EQ(config->redis.db, defaults.redis.db);
  EXPECT_EQ(config->redis.timeout, defaults.redis.timeout);
  EXPECT_EQ(config->redis.key_prefix, defaults.redis.key_prefix);
  EXPECT_EQ(config->redis.profile_ttl, defaults.redis.profile_ttl);
  EXPECT_EQ(config->redis.stream_maxlen, defaults.redis.stream_maxlen);
  EXPECT_EQ(config->pipeline.workers, defaults.pipeline.workers);
  EXPECT_EQ(config->pipeline.queue_capacity, defaults.pipeline.queue_capacity);
  EXPECT_EQ(config->pipeline.max_payload_bytes, defaults.pipeline.max_payload_bytes);
  EXPECT_EQ(config->pipeline.shutdown_timeout, defaults.pipeline.shutdown_timeout);
  EXPECT_EQ(config->metrics.listen, defaults.metrics.listen);
  EXPECT_EQ(config->log.level, defaults.log.level);
  EXPECT_EQ(config->log.format, defaults.log.format);

  // rules/ is a sibling of config/.
  EXPECT_TRUE(fs::equivalent(config->rules.path, kSourceDir / "rules"));
  EXPECT_TRUE(load_rules(config->rules.path).has_value());
}

TEST_F(ConfigLoaderTest, ShippedConfigMentionsEveryKey) {
  std::ifstream in(kSourceDir / "config/vitalsd.toml");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  for (const char* key : {"uri",
                          "client_id",
                          "subscribe",
                          "qos",
                          "clean_session",
                          "keepalive",
                          "username",
                          "password_file",
                          "ca_file",
                          "cert_file",
                          "key_file",
                          "alert_topic_prefix",
                          "ack_subscribe",
                          "rejected_topic",
                          "enabled",
                          "host",
                          "port",
                          "unix_socket",
                          "db",
                          "timeout",
                          "key_prefix",
                          "profile_ttl",
                          "stream_maxlen",
                          "workers",
                          "queue_capacity",
                          "max_payload_bytes",
                          "shutdown_timeout",
                          "listen",
                          "level",
                          "format",
                          "path"}) {
    const std::string set = "\n" + std::string(key) + " = ";
    const std::string commented = "\n# " + std::string(key) + " = ";
    EXPECT_TRUE(text.find(set) != std::string::npos || text.find(commented) != std::string::npos)
        << key;
  }
}

TEST_F(ConfigLoaderTest, EmptyFileGivesTheDefaults) {
  const Config config = load_ok("");
  const Config defaults;
  EXPECT_EQ(config.mqtt.uri, defaults.mqtt.uri);
  EXPECT_EQ(config.redis.port, defaults.redis.port);
  EXPECT_EQ(config.pipeline.queue_capacity, defaults.pipeline.queue_capacity);
  EXPECT_EQ(config.rules.path, dir_.path() / "rules") << "the default resolves like any path";
}

TEST_F(ConfigLoaderTest, EveryKeyCanBeSet) {
  dir_.write("mqtt.pw", "m\n");
  dir_.write("redis.pw", "r\n");
  dir_.write("ca.pem", "ca");
  dir_.write("cert.pem", "cert");
  dir_.write("key.pem", "key");
  const Config c = load_ok(R"(
[mqtt]
uri = "ssl://broker.example:8883"
client_id = "vitalsd-ward3"
subscribe = "$share/vitalsd/ward3/+/vitals"
qos = 2
clean_session = true
keepalive = "1m"
username = "vitalsd"
password_file = "mqtt.pw"
ca_file = "ca.pem"
cert_file = "cert.pem"
key_file = "key.pem"
alert_topic_prefix = "ward3/alerts"
ack_subscribe = "ward3/ack/+"
rejected_topic = "ward3/rejected"
[redis]
enabled = false
host = "redis.example"
port = 6380
unix_socket = "/run/redis/redis.sock"
password_file = "redis.pw"
db = 3
timeout = "1s"
key_prefix = "w3:"
profile_ttl = "2m"
stream_maxlen = 5000
[pipeline]
workers = 8
queue_capacity = 100
max_payload_bytes = 1024
shutdown_timeout = "30s"
[metrics]
listen = ""
[log]
level = "debug"
format = "json"
[rules]
path = "/etc/vitalsd/rules"
)");
  EXPECT_EQ(c.mqtt.uri, "ssl://broker.example:8883");
  EXPECT_EQ(c.mqtt.client_id, "vitalsd-ward3");
  EXPECT_EQ(c.mqtt.subscribe, "$share/vitalsd/ward3/+/vitals");
  EXPECT_EQ(c.mqtt.qos, 2);
  EXPECT_TRUE(c.mqtt.clean_session);
  EXPECT_EQ(c.mqtt.keepalive, seconds(60));
  EXPECT_EQ(c.mqtt.username, "vitalsd");
  EXPECT_EQ(c.mqtt.password.reveal(), "m");
  EXPECT_EQ(c.mqtt.ca_file, dir_.path() / "ca.pem");
  EXPECT_EQ(c.mqtt.cert_file, dir_.path() / "cert.pem");
  EXPECT_EQ(c.mqtt.key_file, dir_.path() / "key.pem");
  EXPECT_EQ(c.mqtt.alert_topic_prefix, "ward3/alerts");
  EXPECT_EQ(c.mqtt.ack_subscribe, "ward3/ack/+");
  EXPECT_EQ(c.mqtt.rejected_topic, "ward3/rejected");
  EXPECT_FALSE(c.redis.enabled);
  EXPECT_EQ(c.redis.host, "redis.example");
  EXPECT_EQ(c.redis.port, 6380);
  EXPECT_EQ(c.redis.unix_socket, "/run/redis/redis.sock");
  EXPECT_EQ(c.redis.password.reveal(), "r");
  EXPECT_EQ(c.redis.db, 3);
  EXPECT_EQ(c.redis.timeout, seconds(1));
  EXPECT_EQ(c.redis.key_prefix, "w3:");
  EXPECT_EQ(c.redis.profile_ttl, seconds(120));
  EXPECT_EQ(c.redis.stream_maxlen, 5000U);
  EXPECT_EQ(c.pipeline.workers, 8U);
  EXPECT_EQ(c.pipeline.queue_capacity, 100U);
  EXPECT_EQ(c.pipeline.max_payload_bytes, 1024U);
  EXPECT_EQ(c.pipeline.shutdown_timeout, seconds(30));
  EXPECT_EQ(c.metrics.listen, "");
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.format, LogFormat::json);
  EXPECT_EQ(c.rules.path, "/etc/vitalsd/rules");
}

TEST_F(ConfigLoaderTest, AcceptsTheEdgesOfEveryRange) {
  const Config c = load_ok(R"(
[mqtt]
qos = 0
keepalive = "65535s"
subscribe = "+"
[redis]
port = 65535
unix_socket = "redis.sock"
host = ""
[pipeline]
workers = 1024
queue_capacity = 10000000
max_payload_bytes = 16777216
shutdown_timeout = "1ms"
[metrics]
listen = "[::1]:1"
[log]
level = "off"
)");
  EXPECT_EQ(c.mqtt.keepalive, seconds(65535));
  EXPECT_EQ(c.pipeline.max_payload_bytes, 16U * 1024 * 1024);
  EXPECT_EQ(c.redis.unix_socket, dir_.path() / "redis.sock");
}

// Each case: a whole config file, and the one diagnostic it must produce.
struct ErrorCase {
  const char* toml;
  const char* diagnostic;  // "vitalsd.toml:line:col: message"
};

TEST_F(ConfigLoaderTest, ReportsEachProblemAtItsLineAndColumn) {
  const ErrorCase cases[] = {
      // Syntax: the parser's own message and position.
      {"[mqtt\n", "vitalsd.toml:1:6: Error while parsing table header: expected ']', saw '\\n'"},
      {"[mqtt]\nqos = 1\nqos = 2\n",
       "vitalsd.toml:3:7: Error while parsing key-value pair: cannot redefine existing integer "
       "'qos'"},
      {"[log]\nlevel = \"\xff\"\n", "vitalsd.toml:2:9: Encountered invalid utf-8 sequence"},
      // Unknown sections and keys, with a hint when one is close.
      {"[mqtt]\nkepalive = \"30s\"\n",
       "vitalsd.toml:2:1: unknown key 'kepalive' in [mqtt]; did you mean 'keepalive'?"},
      {"[mqtt]\n  qso = 1\n", "vitalsd.toml:2:3: unknown key 'qso' in [mqtt]; did you mean 'qos'?"},
      {"[mqtt]\nretain = true\n", "vitalsd.toml:2:1: unknown key 'retain' in [mqtt]"},
      {"[redis]\npasword_file = \"x\"\n",
       "vitalsd.toml:2:1: unknown key 'pasword_file' in [redis]; did you mean 'password_file'?"},
      {"[mqqt]\n", "vitalsd.toml:1:2: unknown section [mqqt]; did you mean [mqtt]?"},
      {"[tls]\n", "vitalsd.toml:1:2: unknown section [tls]"},
      {"[mqtt.tls]\n", "vitalsd.toml:1:7: unknown key 'tls' in [mqtt]"},
      {"uri = \"tcp://x\"\n", "vitalsd.toml:1:1: unknown key 'uri' at top level"},
      {"mqtt = 1\n", "vitalsd.toml:1:8: mqtt: expected table, got integer"},
      // Types.
      {"[mqtt]\nqos = \"1\"\n", "vitalsd.toml:2:7: [mqtt] qos: expected integer, got string"},
      {"[mqtt]\nqos = 1.0\n", "vitalsd.toml:2:7: [mqtt] qos: expected integer, got float"},
      {"[mqtt]\nclean_session = 0\n",
       "vitalsd.toml:2:17: [mqtt] clean_session: expected boolean, got integer"},
      {"[mqtt]\nuri = 1883\n", "vitalsd.toml:2:7: [mqtt] uri: expected string, got integer"},
      {"[mqtt]\nkeepalive = 30\n",
       "vitalsd.toml:2:13: [mqtt] keepalive: expected a duration string such as \"30s\", got "
       "integer"},
      {"[redis]\nunix_socket = [\"a\"]\n",
       "vitalsd.toml:2:15: [redis] unix_socket: expected string, got array"},
      // Ranges.
      {"[mqtt]\nqos = 3\n", "vitalsd.toml:2:7: [mqtt] qos: must be between 0 and 2, got 3"},
      {"[mqtt]\nqos = -1\n", "vitalsd.toml:2:7: [mqtt] qos: must be between 0 and 2, got -1"},
      {"[redis]\nport = 0\n", "vitalsd.toml:2:8: [redis] port: must be between 1 and 65535, got 0"},
      {"[redis]\nport = 65536\n",
       "vitalsd.toml:2:8: [redis] port: must be between 1 and 65535, got 65536"},
      {"[redis]\ndb = -1\n",
       "vitalsd.toml:2:6: [redis] db: must be between 0 and 2147483647, got -1"},
      {"[redis]\nstream_maxlen = 0\n",
       "vitalsd.toml:2:17: [redis] stream_maxlen: must be at least 1, got 0"},
      {"[pipeline]\nworkers = 1025\n",
       "vitalsd.toml:2:11: [pipeline] workers: must be between 0 and 1024, got 1025"},
      {"[pipeline]\nqueue_capacity = 0\n",
       "vitalsd.toml:2:18: [pipeline] queue_capacity: must be between 1 and 10000000, got 0"},
      {"[pipeline]\nqueue_capacity = 10000001\n",
       "vitalsd.toml:2:18: [pipeline] queue_capacity: must be between 1 and 10000000, got "
       "10000001"},
      {"[pipeline]\nmax_payload_bytes = 16777217\n",
       "vitalsd.toml:2:21: [pipeline] max_payload_bytes: must be between 1 and 16777216, got "
       "16777217"},
      // Durations.
      {"[mqtt]\nkeepalive = \"500ms\"\n",
       "vitalsd.toml:2:13: [mqtt] keepalive: must be at least 1s, got 500ms"},
      {"[mqtt]\nkeepalive = \"1s500ms\"\n",
       "vitalsd.toml:2:13: [mqtt] keepalive: must be whole seconds"},
      {"[mqtt]\nkeepalive = \"65536s\"\n",
       "vitalsd.toml:2:13: [mqtt] keepalive: must be at most 65535s"},
      {"[redis]\ntimeout = \"0s\"\n",
       "vitalsd.toml:2:11: [redis] timeout: must be greater than 0s, got 0s"},
      {"[redis]\nprofile_ttl = \"0ms\"\n",
       "vitalsd.toml:2:15: [redis] profile_ttl: must be greater than 0s, got 0s"},
      {"[pipeline]\nshutdown_timeout = \"10sec\"\n",
       "vitalsd.toml:2:20: [pipeline] shutdown_timeout: unknown unit 'sec' in '10sec' (use ms, s, "
       "m or h)"},
      // Strings with a grammar.
      {"[mqtt]\nuri = \"http://broker\"\n",
       "vitalsd.toml:2:7: [mqtt] uri: must start with tcp://, ssl://, mqtt://, mqtts://, ws:// or "
       "wss://"},
      {"[mqtt]\nuri = \"tcp://\"\n", "vitalsd.toml:2:7: [mqtt] uri: names no host after tcp://"},
      {"[mqtt]\nuri = \"wss://u:s3cret@broker/mqtt\"\n",
       "vitalsd.toml:2:7: [mqtt] uri: must not carry a user name or password (use username and "
       "password_file)"},
      {"[mqtt]\nclient_id = \"\"\n", "vitalsd.toml:2:13: [mqtt] client_id: must not be empty"},
      {"[mqtt]\nsubscribe = \"vitals/#\"\n",
       "vitalsd.toml:2:13: [mqtt] subscribe: must not contain '#'"},
      {"[mqtt]\nsubscribe = \"vitals/+/+\"\n",
       "vitalsd.toml:2:13: [mqtt] subscribe: must contain exactly one '+' level (the patient id), "
       "found 2"},
      {"[mqtt]\nsubscribe = \"vitals\"\n",
       "vitalsd.toml:2:13: [mqtt] subscribe: must contain exactly one '+' level (the patient id), "
       "found 0"},
      {"[mqtt]\nsubscribe = \"vitals/p+\"\n",
       "vitalsd.toml:2:13: [mqtt] subscribe: '+' must be a whole level, as in vitals/+"},
      {"[mqtt]\nsubscribe = \"vitals//+\"\n",
       "vitalsd.toml:2:13: [mqtt] subscribe: must not have an empty level"},
      {"[mqtt]\nsubscribe = \"$share//vitals/+\"\n",
       "vitalsd.toml:2:13: [mqtt] subscribe: a shared subscription is $share/<group>/<filter>"},
      {"[mqtt]\nsubscribe = \"$share/g+/vitals/+\"\n",
       "vitalsd.toml:2:13: [mqtt] subscribe: the $share group must not contain + or #"},
      {"[mqtt]\nack_subscribe = \"alerts-ack/#\"\n",
       "vitalsd.toml:2:17: [mqtt] ack_subscribe: must not contain '#'"},
      {"[mqtt]\nalert_topic_prefix = \"alerts/+\"\n",
       "vitalsd.toml:2:22: [mqtt] alert_topic_prefix: must not contain the wildcards + or #"},
      {"[mqtt]\nalert_topic_prefix = \"alerts/\"\n",
       "vitalsd.toml:2:22: [mqtt] alert_topic_prefix: must not end with '/' (vitalsd adds "
       "/<patient_id>)"},
      {"[mqtt]\nrejected_topic = \"vitalsd/#\"\n",
       "vitalsd.toml:2:18: [mqtt] rejected_topic: must not contain the wildcards + or #"},
      {"[mqtt]\nrejected_topic = \"\"\n",
       "vitalsd.toml:2:18: [mqtt] rejected_topic: must not be empty"},
      {"[metrics]\nlisten = \"9464\"\n",
       "vitalsd.toml:2:10: [metrics] listen: must be host:port (e.g. 127.0.0.1:9464), or empty to "
       "disable"},
      {"[metrics]\nlisten = \"localhost:0\"\n",
       "vitalsd.toml:2:10: [metrics] listen: port must be between 1 and 65535"},
      {"[metrics]\nlisten = \"localhost:http\"\n",
       "vitalsd.toml:2:10: [metrics] listen: port must be a number"},
      {"[log]\nlevel = \"verbose\"\n",
       "vitalsd.toml:2:9: [log] level: must be one of trace, debug, info, warn, error, critical, "
       "off; got 'verbose'"},
      {"[log]\nformat = \"xml\"\n",
       "vitalsd.toml:2:10: [log] format: must be text or json, got 'xml'"},
      {"[rules]\npath = \"\"\n", "vitalsd.toml:2:8: [rules] path: must not be empty"},
      // Keys that only make sense together.
      {"[redis]\nhost = \"\"\n",
       "vitalsd.toml:2:8: [redis] host: must not be empty unless unix_socket is set"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.toml);
    EXPECT_THAT(errors_of(c.toml), ElementsAre(c.diagnostic));
  }
}

TEST_F(ConfigLoaderTest, EmptyPathsMeanNotSet) {
  const Config c = load_ok("[mqtt]\npassword_file = \"\"\ncert_file = \"\"\nkey_file = \"\"\n");
  EXPECT_TRUE(c.mqtt.password_file.empty());
  EXPECT_TRUE(c.mqtt.password.empty());
  EXPECT_TRUE(c.mqtt.key_file.empty());
}

TEST_F(ConfigLoaderTest, KeyFileNeedsCertFile) {
  dir_.write("key.pem", "key");
  EXPECT_THAT(errors_of("[mqtt]\nkey_file = \"key.pem\"\n"),
              ElementsAre("vitalsd.toml:2:12: [mqtt] key_file: requires cert_file (the "
                          "certificate the key belongs to)"));
}

TEST_F(ConfigLoaderTest, PasswordNeedsUsername) {
  dir_.write("pw", "secret\n");
  EXPECT_THAT(errors_of("[mqtt]\npassword_file = \"pw\"\n"),
              ElementsAre("vitalsd.toml:2:17: [mqtt] password_file: requires username"));
}

TEST_F(ConfigLoaderTest, MissingTlsFilesAreReportedWithTheirResolvedPath) {
  const std::string missing = (dir_.path() / "tls/ca.pem").string();
  EXPECT_THAT(errors_of("[mqtt]\nca_file = \"tls/ca.pem\"\n"),
              ElementsAre("vitalsd.toml:2:11: [mqtt] ca_file: cannot read '" + missing +
                          "': No such file or directory"));
}

TEST_F(ConfigLoaderTest, ReportsAllProblemsTogetherInFileOrder) {
  // Given a file with a problem in most sections,
  const auto errors = errors_of(R"([redis]
port = 0
[mqtt]
qos = 9
treshold = 1
[log]
level = "loud"
[bogus]
)");
  // then every one is reported, top to bottom, not just the first.
  EXPECT_THAT(errors, ElementsAre("vitalsd.toml:2:8: [redis] port: must be between 1 and 65535, "
                                  "got 0",
                                  "vitalsd.toml:4:7: [mqtt] qos: must be between 0 and 2, got 9",
                                  "vitalsd.toml:5:1: unknown key 'treshold' in [mqtt]",
                                  "vitalsd.toml:7:9: [log] level: must be one of trace, debug, "
                                  "info, warn, error, critical, off; got 'loud'",
                                  "vitalsd.toml:8:2: unknown section [bogus]"));
}

TEST_F(ConfigLoaderTest, MissingFileIsReportedForTheWholeFile) {
  const fs::path file = dir_.path() / "absent.toml";
  const auto config = load_config(file);
  ASSERT_FALSE(config.has_value());
  ASSERT_EQ(config.error().size(), 1U);
  EXPECT_EQ(config.error()[0].file, file.string());
  EXPECT_EQ(config.error()[0].line, 0U);
  EXPECT_EQ(config.error()[0].to_string(),
            file.string() + ": cannot read: No such file or directory");
}

TEST_F(ConfigLoaderTest, OversizedFileIsRefusedUnread) {
  EXPECT_THAT(errors_of(std::string(2 * 1024 * 1024, '#')),
              ElementsAre("vitalsd.toml: cannot read: is larger than 1048576 bytes"));
}

TEST_F(ConfigLoaderTest, DirectoryIsNotAConfigFile) {
  const auto config = load_config(dir_.path());
  ASSERT_FALSE(config.has_value());
  EXPECT_THAT(relative(config.error()),
              ElementsAre(HasSubstr(": cannot read: is a directory, not a file")));
}

TEST_F(ConfigLoaderTest, RelativePathsResolveAgainstTheConfigFolder) {
  // Given a config in a sub-folder, named by a path relative to the working
  // directory, with relative and absolute paths in it,
  dir_.write("etc/secrets/mqtt", "pw\n");
  const fs::path file = dir_.write("etc/vitalsd.toml", R"(
[mqtt]
username = "u"
password_file = "secrets/mqtt"
[redis]
unix_socket = "../run/redis.sock"
[rules]
path = "/opt/rules"
)");
  const fs::path named = fs::relative(file, fs::current_path());
  ASSERT_TRUE(named.is_relative());

  // when it is loaded,
  const auto config = load_config(named);
  ASSERT_TRUE(config.has_value()) << config.error().front().to_string();

  // then relative paths hang off the config's folder and absolute ones stay.
  EXPECT_TRUE(config->file.is_absolute());
  EXPECT_TRUE(fs::equivalent(config->file, file));
  const fs::path folder = config->file.parent_path();
  EXPECT_EQ(config->mqtt.password_file, folder / "secrets/mqtt");
  EXPECT_EQ(config->redis.unix_socket, folder / "../run/redis.sock");
  EXPECT_EQ(config->rules.path, "/opt/rules");
}

TEST_F(ConfigLoaderTest, SecretsAreReadWithTrailingNewlinesStripped) {
  struct Case {
    const char* contents;
    const char* secret;
  };
  const Case cases[] = {
      {"s3cret", "s3cret"},     {"s3cret\n", "s3cret"},         {"s3cret\r\n", "s3cret"},
      {"s3cret\n\n", "s3cret"}, {"two\nlines\n", "two\nlines"}, {" spaced ", " spaced "},
  };
  for (const Case& c : cases) {
    dir_.write("mqtt.pw", c.contents);
    dir_.write("redis.pw", c.contents);
    const Config config = load_ok(R"(
[mqtt]
username = "vitalsd"
password_file = "mqtt.pw"
[redis]
password_file = "redis.pw"
)");
    EXPECT_EQ(config.mqtt.password.reveal(), c.secret);
    EXPECT_EQ(config.redis.password.reveal(), c.secret);
  }
}

TEST_F(ConfigLoaderTest, UnreadableSecretNamesKeyAndPathButNotTheContents) {
  // Given secret files that are missing, a folder, empty, and far too large,
  dir_.mkdir("folder");
  dir_.write("empty", "\n");
  dir_.write("huge", std::string(70'000, 'x'));
  const std::string base = dir_.path().string();

  // when the config naming them is loaded,
  const auto errors = errors_of(R"(
[mqtt]
username = "u"
password_file = "missing"
[redis]
password_file = "folder"
)");
  const auto more = errors_of("[mqtt]\nusername = \"u\"\npassword_file = \"empty\"\n");
  const auto huge = errors_of("[redis]\npassword_file = \"huge\"\n");

  // then each diagnostic names the key and the resolved path,
  EXPECT_THAT(errors, ElementsAre("vitalsd.toml:4:17: [mqtt] password_file: cannot read '" + base +
                                      "/missing': No such file or directory",
                                  "vitalsd.toml:6:17: [redis] password_file: cannot read '" + base +
                                      "/folder': is a directory, not a file"));
  EXPECT_THAT(
      more, ElementsAre("vitalsd.toml:3:17: [mqtt] password_file: '" + base + "/empty' is empty"));
  EXPECT_THAT(huge, ElementsAre("vitalsd.toml:2:17: [redis] password_file: cannot read '" + base +
                                "/huge': is larger than 65536 bytes"));
  // and never what the file holds.
  EXPECT_THAT(huge.front(), Not(HasSubstr("xxx")));
}

}  // namespace
}  // namespace vitalsd
