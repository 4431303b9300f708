// Config: the typed, validated contents of vitalsd.toml (SPEC §6).
//
// One struct per component; each field's default is the value used when the
// key is absent. Paths are already resolved against the config file's folder
// and secrets already read from their files. Built by load_config(); immutable
// afterwards.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

namespace vitalsd {

using std::chrono::milliseconds;

// A secret read from a file. It has no operator<< and no implicit conversion,
// so it cannot end up in a log line or in --check-config output by accident.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  bool empty() const { return value_.empty(); }
  const std::string& reveal() const { return value_; }

 private:
  std::string value_;
};

struct MqttConfig {
  std::string uri = "tcp://127.0.0.1:1883";  // tcp://, ssl:// (TLS), ws://, wss://
  std::string client_id = "vitalsd";          // the publisher connection uses client_id + "-pub"
  std::string subscribe = "vitals/+";         // one `+` level = patient id; $share/<g>/... allowed
  int qos = 1;                                // 0, 1 or 2, for the readings subscription
  bool clean_session = false;                 // false: broker keeps readings while vitalsd is down
  milliseconds keepalive{std::chrono::seconds(30)};
  std::string username;                       // empty: no username
  std::filesystem::path password_file;        // empty: no password
  Secret password;                            // contents of password_file, trailing newline stripped
  std::filesystem::path ca_file;              // TLS: CA bundle to verify the broker
  std::filesystem::path cert_file;            // TLS: client certificate (optional)
  std::filesystem::path key_file;             // TLS: client key (optional; needs cert_file)
  std::string alert_topic_prefix = "alerts";  // alerts go to <prefix>/<patient_id>
  std::string ack_subscribe = "alerts-ack/+";
  std::string rejected_topic = "vitalsd/rejected";
};

struct RedisConfig {
  bool enabled = true;
  std::string host = "127.0.0.1";
  int port = 6379;
  std::filesystem::path unix_socket;  // non-empty: used instead of host/port
  std::filesystem::path password_file;
  Secret password;
  int db = 0;
  milliseconds timeout{500};  // connect and per-command timeout
  std::string key_prefix = "vitalsd:";
  milliseconds profile_ttl{std::chrono::seconds(30)};
  std::uint64_t stream_maxlen = 1'000'000;
};

struct PipelineConfig {
  unsigned workers = 0;  // 0: one per core
  std::size_t queue_capacity = 4096;  // readings per worker queue
  std::size_t max_payload_bytes = 65536;
  milliseconds shutdown_timeout{std::chrono::seconds(10)};
};

struct MetricsConfig {
  std::string listen = "127.0.0.1:9464";  // host:port; empty disables the endpoint
};

enum class LogFormat { text, json };

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  LogFormat format = LogFormat::text;
};

struct RulesConfig {
  std::filesystem::path path = "rules";  // a rules file, or a directory of *.toml
};

struct Config {
  std::filesystem::path file;  // the config file this was loaded from (absolute)
  MqttConfig mqtt;
  RedisConfig redis;
  PipelineConfig pipeline;
  MetricsConfig metrics;
  LogConfig log;
  RulesConfig rules;
};

}  // namespace vitalsd
