#include "paho_publisher.h"

#include <fmt/format.h>

#include "mqtt/tls_probe.h"
#include "tcp_nodelay.h"

namespace vitals_pub {
namespace {

// Paho reports a refused MQTT 3.1.1 connection by its CONNACK code only.
std::string_view connack_meaning(int rc) {
  switch (rc) {
    case 1:
      return " (unacceptable protocol version)";
    case 2:
      return " (client identifier rejected)";
    case 3:
      return " (server unavailable)";
    case 4:
      return " (bad user name or password)";
    case 5:
      return " (not authorized)";
    default:
      return "";
  }
}

// Paho reports every TCP/TLS failure as -1; over TLS, a probe handshake
// says which part was refused (as vitalsd does, see mqtt/tls_probe.h).
std::string tls_reason(const MqttSettings& settings, int rc) {
  if (rc != MQTTASYNC_FAILURE) return "";
  const auto endpoint = vitalsd::tls_endpoint(settings.uri);
  if (!endpoint) return "";
  vitalsd::MqttConfig tls;
  tls.ca_file = settings.ca_file;
  tls.cert_file = settings.cert_file;
  tls.key_file = settings.key_file;
  std::string why = vitalsd::probe_tls(*endpoint, tls, settings.connect_timeout);
  // The probe names vitalsd's config keys; here they are options.
  for (const auto& [key, option] :
       {std::pair{"mqtt.ca_file", "--ca-file"}, std::pair{"mqtt.cert_file", "--cert-file"},
        std::pair{"mqtt.key_file", "--key-file"}, std::pair{"mqtt.uri", "--broker"}}) {
    for (auto at = why.find(key); at != std::string::npos; at = why.find(key, at)) {
      why.replace(at, std::string_view(key).size(), option);
    }
  }
  return " (" + why + ")";
}

}  // namespace

PahoPublisher::PahoPublisher(const MqttSettings& settings)
    // No persistence: a load generator's in-flight messages are not worth a
    // disk write each, and a restart starts a new run anyway.
    // Paho's command queue must hold the whole in-flight window (its default
    // of 100 would refuse publishes long before our window is full).
    : settings_(settings),
      client_(settings.uri, settings.client_id, static_cast<int>(settings.max_inflight) + 16,
              nullptr) {}

PahoPublisher::~PahoPublisher() { disconnect(std::chrono::seconds(2)); }

vitalsd::Expected<std::unique_ptr<PahoPublisher>, std::string> PahoPublisher::connect(
    const MqttSettings& settings) {
  std::unique_ptr<PahoPublisher> p;
  try {
    p.reset(new PahoPublisher(settings));
    auto opts = mqtt::connect_options_builder()
                    .clean_session(true)
                    .keep_alive_interval(std::chrono::seconds(30))
                    .connect_timeout(settings.connect_timeout)
                    .max_inflight(static_cast<int>(settings.max_inflight))
                    .finalize();
    if (!settings.username.empty()) opts.set_user_name(settings.username);
    if (settings.password) opts.set_password(*settings.password);
    const bool tls = settings.uri.starts_with("ssl://") || settings.uri.starts_with("wss://") ||
                     settings.uri.starts_with("mqtts://");
    if (tls || !settings.ca_file.empty() || !settings.cert_file.empty()) {
      mqtt::ssl_options ssl;
      if (!settings.ca_file.empty()) ssl.set_trust_store(settings.ca_file);
      if (!settings.cert_file.empty()) ssl.set_key_store(settings.cert_file);
      if (!settings.key_file.empty()) ssl.set_private_key(settings.key_file);
      ssl.set_enable_server_cert_auth(true);
      ssl.set_verify(true);
      opts.set_ssl(std::move(ssl));
    }
    auto tok = p->client_.connect(opts);
    if (!tok->wait_for(settings.connect_timeout + std::chrono::seconds(1))) {
      return vitalsd::unexpected(fmt::format("cannot connect to {}: no answer within {}s",
                                             settings.uri, settings.connect_timeout.count()));
    }
    p->connected_ = true;
    if (!settings.nagle) set_tcp_nodelay_on_open_sockets();
  } catch (const mqtt::exception& e) {
    return vitalsd::unexpected(fmt::format("cannot connect to {}: {}{}{}", settings.uri, e.what(),
                                           connack_meaning(e.get_return_code()),
                                           tls_reason(settings, e.get_return_code())));
  }
  return p;
}

bool PahoPublisher::wait_oldest(std::chrono::milliseconds timeout) {
  mqtt::delivery_token_ptr tok = std::move(window_.front());
  window_.pop_front();
  try {
    if (!tok->wait_for(timeout)) {
      error_ = fmt::format("a message was not delivered within {}ms", timeout.count());
      return false;
    }
  } catch (const mqtt::exception& e) {
    error_ = fmt::format("delivery failed: {}", e.what());
    return false;
  }
  return true;
}

bool PahoPublisher::publish(const std::string& topic, std::string_view payload) {
  // Retire what is already done without blocking, then block only if full.
  while (!window_.empty() && window_.front()->is_complete()) {
    if (!wait_oldest(settings_.delivery_timeout)) return false;
  }
  if (window_.size() >= settings_.max_inflight && !wait_oldest(settings_.delivery_timeout)) {
    return false;
  }
  try {
    window_.push_back(client_.publish(topic, payload.data(), payload.size(), settings_.qos, false));
  } catch (const mqtt::exception& e) {
    error_ = fmt::format("publish to {} failed: {}", topic, e.what());
    return false;
  }
  return true;
}

bool PahoPublisher::flush(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!window_.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !wait_oldest(left)) {
      if (error_.empty()) error_ = fmt::format("{} messages undelivered at exit", window_.size());
      return false;
    }
  }
  return true;
}

void PahoPublisher::disconnect(std::chrono::milliseconds timeout) {
  if (!connected_) return;
  connected_ = false;
  window_.clear();
  try {
    client_.disconnect(timeout.count())->wait_for(timeout + std::chrono::seconds(1));
  } catch (const mqtt::exception&) {
    // Already gone: nothing left to do at shutdown.
  }
}

}  // namespace vitals_pub
