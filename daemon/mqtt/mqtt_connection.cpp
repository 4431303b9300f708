#include "mqtt/mqtt_connection.h"

#include <optional>

#include <mqtt/async_client.h>

#include "mqtt/tls_probe.h"

namespace vitalsd {
namespace {

constexpr auto kMinRetry = std::chrono::seconds(1);
constexpr auto kMaxRetry = std::chrono::seconds(30);
constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr auto kTlsProbeTimeout = std::chrono::seconds(5);

// What a failed connect's return code means to an operator. MQTT 3.1.1
// reports a refused CONNECT by its CONNACK code (1-5); Paho reports any TCP or
// TLS failure as -1 (for TLS, MqttConnection then logs a TlsProbe's reason).
std::string_view connect_failure_meaning(int rc) {
  switch (rc) {
    case 1:
      return "broker refused: unacceptable protocol version";
    case 2:
      return "broker refused: client identifier rejected";
    case 3:
      return "broker refused: server unavailable";
    case 4:
      return "broker refused: bad user name or password (check mqtt.username, "
             "mqtt.password_file)";
    case 5:
      return "broker refused: not authorized (wrong user name or password, or no access; "
             "check mqtt.username, mqtt.password_file)";
    case MQTTASYNC_FAILURE:
      return "no connection (broker unreachable, or TLS refused)";
    default:
      return "connect failed";
  }
}

// Logs a failed first connect (Paho keeps retrying in the background) and
// hands its return code on; silent once the connection is stopped (the
// attempt can end after stop()).
class ConnectFailureLogger final : public mqtt::iaction_listener {
 public:
  ConnectFailureLogger(spdlog::logger& log, std::string what, const std::atomic<bool>& stopped,
                       std::function<void(int)> then)
      : log_(log), what_(std::move(what)), stopped_(stopped), then_(std::move(then)) {}
  void on_success(const mqtt::token&) override {}
  void on_failure(const mqtt::token& tok) override {
    if (stopped_) return;
    log_.warn("{}: first connect failed: {} (code {}); retrying in the background", what_,
              connect_failure_meaning(tok.get_return_code()), tok.get_return_code());
    then_(tok.get_return_code());
  }

 private:
  spdlog::logger& log_;
  const std::string what_;
  const std::atomic<bool>& stopped_;
  const std::function<void(int)> then_;
};

bool is_tls(std::string_view uri) {
  return uri.starts_with("ssl://") || uri.starts_with("mqtts://") || uri.starts_with("wss://");
}

mqtt::connect_options make_connect_options(const MqttConfig& c, const MqttConnectionOptions& o) {
  mqtt::connect_options opts;
  opts.set_mqtt_version(MQTTVERSION_3_1_1);
  opts.set_clean_session(o.clean_session);
  opts.set_keep_alive_interval(std::chrono::duration_cast<std::chrono::seconds>(c.keepalive));
  opts.set_connect_timeout(kConnectTimeout);
  opts.set_automatic_reconnect(kMinRetry, kMaxRetry);
  opts.set_max_inflight(o.max_inflight);
  if (!c.username.empty()) opts.set_user_name(c.username);
  if (!c.password.empty()) opts.set_password(c.password.reveal());
  if (is_tls(c.uri)) {
    mqtt::ssl_options ssl;
    ssl.set_enable_server_cert_auth(true);
    ssl.set_verify(true);  // also check the broker's host name against its certificate
    if (!c.ca_file.empty()) ssl.set_trust_store(c.ca_file.string());
    if (!c.cert_file.empty()) ssl.set_key_store(c.cert_file.string());
    if (!c.key_file.empty()) ssl.set_private_key(c.key_file.string());
    opts.set_ssl(std::move(ssl));
  }
  return opts;
}

}  // namespace

// Completes the Done callback that travels as each token's user context,
// so one listener serves every subscribe and publish.
class MqttConnection::Listener final : public mqtt::iaction_listener {
 public:
  void on_success(const mqtt::token& tok) override {
    bool ok = true;
    if (tok.get_type() == mqtt::token::Type::SUBSCRIBE) {
      // MQTT 3.1.1 reports a refused subscription as granted QoS 0x80.
      const mqtt::subscribe_response response = tok.get_subscribe_response();
      for (const auto rc : response.get_reason_codes()) {
        if (static_cast<int>(rc) >= 0x80) ok = false;
      }
    }
    finish(tok, ok);
  }
  void on_failure(const mqtt::token& tok) override { finish(tok, false); }

 private:
  static void finish(const mqtt::token& tok, bool ok) {
    std::unique_ptr<Done> done(static_cast<Done*>(tok.get_user_context()));
    if (done && *done) (*done)(ok);
  }
};

std::string paho_uri(std::string_view uri) {
  if (uri.starts_with("mqtt://")) return "tcp://" + std::string(uri.substr(7));
  if (uri.starts_with("mqtts://")) return "ssl://" + std::string(uri.substr(8));
  return std::string(uri);
}

MqttConnection::MqttConnection(const MqttConfig& config, MqttConnectionOptions options,
                               spdlog::logger& log)
    : config_(config),
      options_(std::move(options)),
      log_(log),
      listener_(std::make_unique<Listener>()) {
  mqtt::create_options create(MQTTVERSION_3_1_1);
  create.set_send_while_disconnected(true, true);
  create.set_max_buffered_messages(options_.max_buffered);
  // No persistence: nothing is written to disk (the service runs read-only);
  // what must survive a restart lives in the broker session and in Redis.
  client_ = std::make_unique<mqtt::async_client>(paho_uri(config_.uri), options_.client_id, create,
                                                 nullptr);
  // Connection callbacks are ignored once stop() began: Paho may still finish
  // a connect attempt after it (see stop()). Messages are not: one that
  // arrives while stop() disconnects is still handed on, because Paho
  // acknowledges it to the broker either way and dropping it would lose it.
  client_->set_connected_handler([this](const std::string&) {
    if (stopped_) return;
    const bool reconnect = ever_connected_.exchange(true);
    connected_ = true;
    log_.info("mqtt {}: {} to {}", options_.client_id, reconnect ? "reconnected" : "connected",
              config_.uri);
    if (on_connected_) on_connected_(reconnect);
  });
  client_->set_connection_lost_handler([this](const std::string& cause) {
    connected_ = false;
    if (stopped_) return;
    log_.warn("mqtt {}: connection lost ({}); reconnecting", options_.client_id,
              cause.empty() ? "no reason given" : cause);
    if (on_lost_) on_lost_();
  });
  client_->set_message_callback([this](mqtt::const_message_ptr msg) {
    if (on_message_) on_message_(msg->get_topic(), msg->get_payload_str(), msg->is_duplicate());
  });
}

MqttConnection::~MqttConnection() { stop(std::chrono::milliseconds(0)); }

void MqttConnection::subscribe(const std::string& filter, int qos, Done done) {
  auto context = std::make_unique<Done>(std::move(done));
  try {
    client_->subscribe(filter, qos, context.get(), *listener_);
    context.release();  // owned by the token now; freed in Listener::finish
  } catch (const mqtt::exception& e) {
    log_.error("mqtt {}: subscribe to '{}' failed: {}", options_.client_id, filter, e.what());
    if (*context) (*context)(false);
  }
}

bool MqttConnection::publish(const std::string& topic, const std::string& payload, int qos,
                             Done done) {
  auto context = std::make_unique<Done>(std::move(done));
  try {
    client_->publish(topic, payload.data(), payload.size(), qos, false, context.get(), *listener_);
    context.release();
    return true;
  } catch (const mqtt::exception& e) {
    log_.debug("mqtt {}: publish to {} not accepted: {}", options_.client_id, topic, e.what());
    return false;
  }
}

void MqttConnection::start() {
  if (started_.exchange(true)) return;
  static_assert(kMinRetry < kMaxRetry);
  const mqtt::connect_options opts = make_connect_options(config_, options_);
  connect_failure_ = std::make_unique<ConnectFailureLogger>(
      log_, "mqtt " + options_.client_id + " to " + config_.uri, stopped_, [this](int rc) {
        if (rc == MQTTASYNC_FAILURE) explain_tls_failure();
      });
  try {
    client_->connect(opts, nullptr, *connect_failure_);
  } catch (const mqtt::exception& e) {
    log_.error("mqtt {}: cannot start connecting to {}: {}", options_.client_id, config_.uri,
               e.what());
  }
}

void MqttConnection::explain_tls_failure() {
  const std::optional<TlsEndpoint> endpoint = tls_endpoint(config_.uri);
  if (!endpoint) return;  // not TLS: "unreachable" says it all
  const std::lock_guard lock(tls_probe_mutex_);
  if (stopped_ || tls_probe_.joinable()) return;
  // Off Paho's thread: the probe blocks for up to kTlsProbeTimeout.
  tls_probe_ = std::thread([this, endpoint = *endpoint] {
    log_.error("mqtt {}: TLS to {}: {}", options_.client_id, config_.uri,
               probe_tls(endpoint, config_, kTlsProbeTimeout));
  });
}

void MqttConnection::stop(std::chrono::milliseconds timeout) {
  if (!started_ || stopped_.exchange(true)) return;
  {
    std::unique_lock lock(tls_probe_mutex_);
    std::thread probe = std::move(tls_probe_);
    lock.unlock();
    if (probe.joinable()) probe.join();  // bounded by kTlsProbeTimeout
  }
  try {
    // Also ends automatic reconnect attempts if the broker is unreachable.
    client_->disconnect(static_cast<int>(timeout.count()))->wait_for(timeout);
  } catch (const mqtt::exception& e) {
    log_.debug("mqtt {}: disconnect: {}", options_.client_id, e.what());
  }
  // No message or connection callback after stop(). Paho refuses while a
  // connect attempt is still in flight (a broker that accepted TCP but has
  // not answered yet): the attempt then runs on, and the connection
  // callbacks above ignore it since stopped_ is set. Never throws: stop()
  // runs during shutdown and in the destructor.
  try {
    client_->disable_callbacks();
  } catch (const mqtt::exception& e) {
    log_.debug("mqtt {}: callbacks stay registered (a connect attempt is in flight): {}",
               options_.client_id, e.what());
  }
  connected_ = false;
}

}  // namespace vitalsd
