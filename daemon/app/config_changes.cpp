#include "app/config_changes.h"

#include <array>

namespace vitalsd {
namespace {

template <auto Section, auto Field>
bool field_differs(const Config& a, const Config& b) {
  return (a.*Section).*Field != (b.*Section).*Field;
}

template <auto Section, auto Field>
void adopt_field(Config& to, const Config& from) {
  (to.*Section).*Field = (from.*Section).*Field;
}

// The file's name and what was read from it, without ever exposing either.
template <auto Section>
bool secret_differs(const Config& a, const Config& b) {
  const auto& x = a.*Section;
  const auto& y = b.*Section;
  return x.password_file != y.password_file || x.password.reveal() != y.password.reveal();
}

template <auto Section, auto Field>
constexpr ConfigKey restart(std::string_view section, std::string_view key) {
  return {section, key, Applies::after_restart, &field_differs<Section, Field>, nullptr};
}

template <auto Section, auto Field>
constexpr ConfigKey live(std::string_view section, std::string_view key) {
  return {section, key, Applies::live, &field_differs<Section, Field>,
          &adopt_field<Section, Field>};
}

template <auto Section>
constexpr ConfigKey restart_secret(std::string_view section) {
  return {section, "password_file", Applies::after_restart, &secret_differs<Section>, nullptr};
}

constexpr auto kMqtt = &Config::mqtt;
constexpr auto kRedis = &Config::redis;
constexpr auto kPipeline = &Config::pipeline;
constexpr auto kMetrics = &Config::metrics;
constexpr auto kLog = &Config::log;
constexpr auto kRules = &Config::rules;

// Why each restart-only key cannot be applied live:
//  [mqtt]     both connections, their subscriptions and the topics vitalsd
//             publishes on are set up once; changing them live would need a
//             reconnect that must not lose in-flight QoS 1 messages.
//  [redis]    the Redis client and its key names are built at start-up.
//  [pipeline] the workers, their queues and the parser limits are sized at
//             start-up; shutdown_timeout is also mirrored by the unit's
//             TimeoutStopSec, which a reload cannot change.
//  [metrics]  the HTTP listener is bound once.
const std::array kKeys = {
    restart<kMqtt, &MqttConfig::uri>("mqtt", "uri"),
    restart<kMqtt, &MqttConfig::client_id>("mqtt", "client_id"),
    restart<kMqtt, &MqttConfig::subscribe>("mqtt", "subscribe"),
    restart<kMqtt, &MqttConfig::qos>("mqtt", "qos"),
    restart<kMqtt, &MqttConfig::clean_session>("mqtt", "clean_session"),
    restart<kMqtt, &MqttConfig::keepalive>("mqtt", "keepalive"),
    restart<kMqtt, &MqttConfig::username>("mqtt", "username"),
    restart_secret<kMqtt>("mqtt"),
    restart<kMqtt, &MqttConfig::ca_file>("mqtt", "ca_file"),
    restart<kMqtt, &MqttConfig::cert_file>("mqtt", "cert_file"),
    restart<kMqtt, &MqttConfig::key_file>("mqtt", "key_file"),
    restart<kMqtt, &MqttConfig::alert_topic_prefix>("mqtt", "alert_topic_prefix"),
    restart<kMqtt, &MqttConfig::ack_subscribe>("mqtt", "ack_subscribe"),
    restart<kMqtt, &MqttConfig::rejected_topic>("mqtt", "rejected_topic"),
    restart<kRedis, &RedisConfig::enabled>("redis", "enabled"),
    restart<kRedis, &RedisConfig::host>("redis", "host"),
    restart<kRedis, &RedisConfig::port>("redis", "port"),
    restart<kRedis, &RedisConfig::unix_socket>("redis", "unix_socket"),
    restart_secret<kRedis>("redis"),
    restart<kRedis, &RedisConfig::db>("redis", "db"),
    restart<kRedis, &RedisConfig::timeout>("redis", "timeout"),
    restart<kRedis, &RedisConfig::key_prefix>("redis", "key_prefix"),
    restart<kRedis, &RedisConfig::profile_ttl>("redis", "profile_ttl"),
    restart<kRedis, &RedisConfig::stream_maxlen>("redis", "stream_maxlen"),
    restart<kPipeline, &PipelineConfig::workers>("pipeline", "workers"),
    restart<kPipeline, &PipelineConfig::queue_capacity>("pipeline", "queue_capacity"),
    restart<kPipeline, &PipelineConfig::max_payload_bytes>("pipeline", "max_payload_bytes"),
    restart<kPipeline, &PipelineConfig::shutdown_timeout>("pipeline", "shutdown_timeout"),
    restart<kMetrics, &MetricsConfig::listen>("metrics", "listen"),
    live<kLog, &LogConfig::level>("log", "level"),
    live<kLog, &LogConfig::format>("log", "format"),
    live<kRules, &RulesConfig::path>("rules", "path"),
};

}  // namespace

std::span<const ConfigKey> config_keys() { return kKeys; }

std::vector<ConfigChange> diff_config(const Config& running, const Config& loaded) {
  std::vector<ConfigChange> changes;
  for (const ConfigKey& k : kKeys) {
    if (k.differs(running, loaded)) changes.push_back({k.section, k.key, k.applies});
  }
  return changes;
}

Config adopt_live_keys(Config running, const Config& loaded) {
  for (const ConfigKey& k : kKeys) {
    if (k.applies == Applies::live) k.adopt(running, loaded);
  }
  return running;
}

}  // namespace vitalsd
