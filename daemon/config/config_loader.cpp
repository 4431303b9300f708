// load_config: vitalsd.toml -> Config (SPEC §6). load_rules lives in
// rules_loader.cpp; both share config/toml_reader.h.
#include "config/config_loader.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "config/duration.h"
#include "config/toml_reader.h"

namespace vitalsd {
namespace {

namespace fs = std::filesystem;
using config_detail::DiagnosticSink;
using config_detail::TableReader;
using std::chrono::milliseconds;

// Passwords are short; anything larger is the wrong file.
constexpr std::size_t kMaxSecretBytes = 64 * std::size_t{1024};
constexpr std::int64_t kMaxPort = 65535;
constexpr std::int64_t kMaxWorkers = 1024;
constexpr std::int64_t kMaxQueueCapacity = 10'000'000;
constexpr std::int64_t kMaxPayloadBytes = std::int64_t{16} * 1024 * 1024;
constexpr milliseconds kPositive{1};  // "greater than zero" for durations
constexpr milliseconds kMaxKeepalive = std::chrono::seconds(65535);

// ---- Checks of one value: why it is unacceptable, or nullopt. ----

using Reason = std::optional<std::string>;
using Check = Reason (*)(std::string_view);

Reason check_not_empty(std::string_view value) {
  if (value.empty()) return "must not be empty";
  return std::nullopt;
}

// The URI is not echoed back: a refused one may hold credentials.
Reason check_mqtt_uri(std::string_view uri) {
  for (std::string_view scheme : {"tcp://", "ssl://", "mqtt://", "mqtts://", "ws://", "wss://"}) {
    if (uri.starts_with(scheme)) {
      if (uri.size() == scheme.size()) return "names no host after " + std::string(scheme);
      // Credentials in the URI would be printed wherever the URI is (logs,
      // the start-up line); they belong in username and password_file.
      const std::string_view rest = uri.substr(scheme.size());
      if (rest.substr(0, rest.find('/')).find('@') != std::string_view::npos) {
        return "must not carry a user name or password (use username and password_file)";
      }
      return std::nullopt;
    }
  }
  return "must start with tcp://, ssl://, mqtt://, mqtts://, ws:// or wss://";
}

Reason check_no_nul(std::string_view topic) {
  if (topic.find('\0') != std::string_view::npos) return "must not contain a NUL character";
  return std::nullopt;
}

// A topic vitalsd publishes on: wildcards are not allowed there.
Reason check_topic(std::string_view topic) {
  if (topic.empty()) return "must not be empty";
  if (topic.find_first_of("+#") != std::string_view::npos) {
    return "must not contain the wildcards + or #";
  }
  return check_no_nul(topic);
}

Reason check_topic_prefix(std::string_view prefix) {
  if (auto why = check_topic(prefix)) return why;
  if (prefix.ends_with('/')) return "must not end with '/' (vitalsd adds /<patient_id>)";
  return std::nullopt;
}

// Strips "$share/<group>/" if present; the reason if the prefix is malformed.
Reason strip_share_prefix(std::string_view& filter) {
  constexpr std::string_view kShare = "$share/";
  if (!filter.starts_with(kShare)) return std::nullopt;
  filter.remove_prefix(kShare.size());
  const auto slash = filter.find('/');
  if (slash == 0 || slash == std::string_view::npos) {
    return "a shared subscription is $share/<group>/<filter>";
  }
  if (filter.substr(0, slash).find_first_of("+#") != std::string_view::npos) {
    return "the $share group must not contain + or #";
  }
  filter.remove_prefix(slash + 1);
  return std::nullopt;
}

// The filter's single `+` level is where the patient id is read from, so it
// needs exactly one, and `#` would swallow ids with '/' in them. Mirrors
// TopicFilter::parse, which the ingest side uses on the same value.
Reason check_subscription(std::string_view filter) {
  if (auto why = strip_share_prefix(filter)) return why;
  if (filter.empty()) return "must not be empty";
  if (filter.find('#') != std::string_view::npos) return "must not contain '#'";
  int plus_levels = 0;
  std::size_t begin = 0;
  while (true) {
    const auto end = std::min(filter.find('/', begin), filter.size());
    const std::string_view level = filter.substr(begin, end - begin);
    if (level.empty()) return "must not have an empty level";
    if (level == "+") {
      ++plus_levels;
    } else if (level.find('+') != std::string_view::npos) {
      return "'+' must be a whole level, as in vitals/+";
    }
    if (end == filter.size()) break;
    begin = end + 1;
  }
  if (plus_levels != 1) {
    return "must contain exactly one '+' level (the patient id), found " +
           std::to_string(plus_levels);
  }
  return check_no_nul(filter);
}

Reason check_port_text(std::string_view port) {
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != port.npos) {
    return "port must be a number";
  }
  const int value = std::stoi(std::string(port));
  if (value < 1 || value > kMaxPort) return "port must be between 1 and 65535";
  return std::nullopt;
}

Reason check_listen(std::string_view listen) {
  if (listen.empty()) return std::nullopt;  // disables the endpoint
  const auto colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return "must be host:port (e.g. 127.0.0.1:9464), or empty to disable";
  }
  return check_port_text(listen.substr(colon + 1));
}

Reason check_log_level(std::string_view level) {
  for (std::string_view known : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    if (level == known) return std::nullopt;
  }
  return "must be one of trace, debug, info, warn, error, critical, off; got '" +
         std::string(level) + "'";
}

// Why `path` cannot be opened for reading, or nullopt. Opens without reading:
// TLS keys need not pass through this process's memory twice.
Reason check_readable(const fs::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec) return ec.message();
  if (!fs::is_regular_file(status)) return std::string("is not a regular file");
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return std::error_code(errno, std::generic_category()).message();
  std::fclose(file);
  return std::nullopt;
}

// ---- Readers of one key: keep the default if absent, report if bad. ----

void read_string(TableReader& r, std::string_view key, std::string& out, Check check = nullptr) {
  auto value = r.get_string(key);
  if (!value) return;
  if (check != nullptr) {
    if (auto why = check(*value)) return r.error_at(key, *why);
  }
  out = std::move(*value);
}

void read_bool(TableReader& r, std::string_view key, bool& out) {
  if (auto value = r.get_bool(key)) out = *value;
}

template <class T>
void read_integer(TableReader& r, std::string_view key, std::int64_t min, std::int64_t max,
                  T& out) {
  const auto value = r.get_integer(key);
  if (!value) return;
  if (*value < min || *value > max) {
    const bool unbounded = max == std::numeric_limits<std::int64_t>::max();
    const std::string range =
        unbounded ? "at least " + std::to_string(min)
                  : "between " + std::to_string(min) + " and " + std::to_string(max);
    return r.error_at(key, "must be " + range + ", got " + std::to_string(*value));
  }
  out = static_cast<T>(*value);
}

void read_duration(TableReader& r, std::string_view key, milliseconds min, milliseconds& out) {
  const auto value = r.get_duration(key);
  if (!value) return;
  if (*value < min) {
    const std::string bound =
        min == kPositive ? "greater than 0s" : "at least " + format_duration(min);
    return r.error_at(key, "must be " + bound + ", got " + format_duration(*value));
  }
  out = *value;
}

// An empty string means "not set". Relative paths resolve against `base`.
void read_path(TableReader& r, std::string_view key, const fs::path& base, fs::path& out) {
  auto value = r.get_string(key);
  if (!value) return;
  out = value->empty() ? fs::path() : base / *value;
}

// Reads the secret at `path`. Messages name the key and the path, never any
// of the contents.
void read_secret(TableReader& r, std::string_view key, const fs::path& path, Secret& out) {
  if (path.empty()) return;
  auto text = config_detail::read_text_file(path, kMaxSecretBytes);
  if (!text) return r.error_at(key, "cannot read '" + path.string() + "': " + text.error());
  std::string secret = std::move(*text);
  // Editors and `echo` add a final newline that is not part of the secret.
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) return r.error_at(key, "'" + path.string() + "' is empty");
  out = Secret(std::move(secret));
}

void require_readable(TableReader& r, std::string_view key, const fs::path& path) {
  if (path.empty()) return;
  if (auto why = check_readable(path)) {
    r.error_at(key, "cannot read '" + path.string() + "': " + *why);
  }
}

// Keep-alive goes on the wire as a 16-bit count of whole seconds.
void read_keepalive(TableReader& r, milliseconds& out) {
  const auto value = r.get_duration("keepalive");
  if (!value) return;
  if (*value < std::chrono::seconds(1)) {
    return r.error_at("keepalive", "must be at least 1s, got " + format_duration(*value));
  }
  if (*value > kMaxKeepalive) return r.error_at("keepalive", "must be at most 65535s");
  if (value->count() % 1000 != 0) return r.error_at("keepalive", "must be whole seconds");
  out = *value;
}

// ---- Sections. ----

void check_mqtt_credentials(TableReader& r, MqttConfig& out) {
  read_secret(r, "password_file", out.password_file, out.password);
  // MQTT 3.1.1 only sends a password together with a user name.
  if (!out.password_file.empty() && out.username.empty()) {
    r.error_at("password_file", "requires username");
  }
  require_readable(r, "ca_file", out.ca_file);
  require_readable(r, "cert_file", out.cert_file);
  require_readable(r, "key_file", out.key_file);
  if (!out.key_file.empty() && out.cert_file.empty()) {
    r.error_at("key_file", "requires cert_file (the certificate the key belongs to)");
  }
}

void read_mqtt(TableReader& r, const fs::path& base, MqttConfig& out) {
  read_string(r, "uri", out.uri, check_mqtt_uri);
  // With clean_session = false the broker finds our session by this id.
  read_string(r, "client_id", out.client_id, check_not_empty);
  read_string(r, "subscribe", out.subscribe, check_subscription);
  read_integer(r, "qos", 0, 2, out.qos);
  read_bool(r, "clean_session", out.clean_session);
  read_keepalive(r, out.keepalive);
  read_string(r, "username", out.username);
  read_path(r, "password_file", base, out.password_file);
  read_path(r, "ca_file", base, out.ca_file);
  read_path(r, "cert_file", base, out.cert_file);
  read_path(r, "key_file", base, out.key_file);
  read_string(r, "alert_topic_prefix", out.alert_topic_prefix, check_topic_prefix);
  read_string(r, "ack_subscribe", out.ack_subscribe, check_subscription);
  read_string(r, "rejected_topic", out.rejected_topic, check_topic);
  check_mqtt_credentials(r, out);
}

void read_redis(TableReader& r, const fs::path& base, RedisConfig& out) {
  read_bool(r, "enabled", out.enabled);
  read_string(r, "host", out.host);
  read_integer(r, "port", 1, kMaxPort, out.port);
  read_path(r, "unix_socket", base, out.unix_socket);
  read_path(r, "password_file", base, out.password_file);
  read_integer(r, "db", 0, std::numeric_limits<int>::max(), out.db);
  read_duration(r, "timeout", kPositive, out.timeout);
  read_string(r, "key_prefix", out.key_prefix);
  read_duration(r, "profile_ttl", kPositive, out.profile_ttl);
  read_integer(r, "stream_maxlen", 1, std::numeric_limits<std::int64_t>::max(), out.stream_maxlen);
  if (out.host.empty() && out.unix_socket.empty()) {
    r.error_at("host", "must not be empty unless unix_socket is set");
  }
  read_secret(r, "password_file", out.password_file, out.password);
}

void read_pipeline(TableReader& r, PipelineConfig& out) {
  read_integer(r, "workers", 0, kMaxWorkers, out.workers);
  read_integer(r, "queue_capacity", 1, kMaxQueueCapacity, out.queue_capacity);
  read_integer(r, "max_payload_bytes", 1, kMaxPayloadBytes, out.max_payload_bytes);
  read_duration(r, "shutdown_timeout", kPositive, out.shutdown_timeout);
}

void read_metrics(TableReader& r, MetricsConfig& out) {
  read_string(r, "listen", out.listen, check_listen);
}

void read_log(TableReader& r, LogConfig& out) {
  read_string(r, "level", out.level, check_log_level);
  const auto format = r.get_string("format");
  if (!format) return;
  if (*format == "text") {
    out.format = LogFormat::text;
  } else if (*format == "json") {
    out.format = LogFormat::json;
  } else {
    r.error_at("format", "must be text or json, got '" + *format + "'");
  }
}

void read_rules(TableReader& r, const fs::path& base, RulesConfig& out) {
  const auto path = r.get_string("path");
  if (!path) return;
  if (path->empty()) return r.error_at("path", "must not be empty");
  out.path = base / *path;
}

// Reads section `name` with `read` if present, then rejects its unknown keys.
template <class Read>
void read_section(TableReader& top, std::string_view name, DiagnosticSink& sink, Read read) {
  const toml::table* table = top.get_table(name);
  if (table == nullptr) return;
  TableReader reader(*table, "[" + std::string(name) + "]", sink);
  read(reader);
  reader.reject_unknown_keys();
}

void read_config(const toml::table& root, DiagnosticSink& sink, Config& config) {
  const fs::path base = config.file.parent_path();
  // The default is relative too, and resolves like any written path.
  config.rules.path = base / config.rules.path;
  TableReader top(root, "", sink);
  read_section(top, "mqtt", sink, [&](TableReader& r) { read_mqtt(r, base, config.mqtt); });
  read_section(top, "redis", sink, [&](TableReader& r) { read_redis(r, base, config.redis); });
  read_section(top, "pipeline", sink, [&](TableReader& r) { read_pipeline(r, config.pipeline); });
  read_section(top, "metrics", sink, [&](TableReader& r) { read_metrics(r, config.metrics); });
  read_section(top, "log", sink, [&](TableReader& r) { read_log(r, config.log); });
  read_section(top, "rules", sink, [&](TableReader& r) { read_rules(r, base, config.rules); });
  top.reject_unknown_keys();
}

Expected<Config, Diagnostics> load_config_or_throw(const fs::path& file) {
  Diagnostics diagnostics;
  DiagnosticSink sink(file.string(), diagnostics);
  Config config;
  std::error_code ec;
  config.file = fs::absolute(file, ec);
  if (ec) {
    sink.error_in_file("cannot resolve path: " + ec.message());
    return unexpected(std::move(diagnostics));
  }
  if (auto root = config_detail::parse_toml_file(file, sink)) read_config(*root, sink, config);
  if (!diagnostics.empty()) {
    sink.sort_by_position();
    return unexpected(std::move(diagnostics));
  }
  return config;
}

}  // namespace

Expected<Config, Diagnostics> load_config(const fs::path& file) {
  // toml++ reports syntax errors by exception (caught where it parses); this
  // catches the rest (e.g. std::bad_alloc) so that a SIGHUP reload can never
  // take the daemon down.
  try {
    return load_config_or_throw(file);
  } catch (const std::exception& e) {
    return unexpected(Diagnostics{{file.string(), 0, 0, std::string("cannot load: ") + e.what()}});
  }
}

}  // namespace vitalsd
