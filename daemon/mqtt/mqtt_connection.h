// MqttConnection: one Paho MQTT connection to the broker, kept up.
//
// vitalsd runs two: the readings subscriber (ingest) and the alert publisher
// (notify). Keeping publishing off the subscriber's connection means a
// subscriber held back by a full worker queue never holds back the alerts.
//
// start() connects in the background; Paho's automatic reconnect retries a
// failed first connect as well as a lost connection, with capped exponential
// backoff. TLS and credentials come from MqttConfig. Paho exceptions stop here.
// A failed first connect is logged with its reason; over TLS a TlsProbe
// (mqtt/tls_probe.h) finds out which part of TLS was refused.
//
// Threads: every Paho client in the process shares one delivery thread, and
// Paho holds a library-wide lock while a handler runs, so a handler that
// blocks delays every connection's callbacks and QoS 1 publishes (measured;
// see README "Threading"). Handlers must hand work off and return; nothing
// may wait inside one for another Paho operation to complete.
// start()/stop() from the owning thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <spdlog/logger.h>

#include "config/config.h"

namespace mqtt {
class async_client;
class iaction_listener;
}

namespace vitalsd {

struct MqttConnectionOptions {
  std::string client_id;
  bool clean_session = false;
  // Publishes Paho may queue (connected or not) before publish() is refused.
  // Paho's own default is 100, even while connected.
  int max_buffered = 100'000;
  // Unacknowledged QoS 1 publishes on the wire. Keep it large: Paho drains a
  // full window only about once a second, so a small window caps throughput
  // at roughly max_inflight messages per second.
  int max_inflight = 65'535;
};

class MqttConnection {
 public:
  // `duplicate`: the broker set the DUP flag (a redelivery of a message it
  // may have delivered before).
  using MessageHandler =
      std::function<void(const std::string& topic, const std::string& payload, bool duplicate)>;

  MqttConnection(const MqttConfig& config, MqttConnectionOptions options, spdlog::logger& log);
  ~MqttConnection();
  MqttConnection(const MqttConnection&) = delete;
  MqttConnection& operator=(const MqttConnection&) = delete;

  // Set before start(). on_connected runs after every successful connect;
  // its argument is true for a reconnect after a lost connection.
  void on_connected(std::function<void(bool reconnect)> handler) {
    on_connected_ = std::move(handler);
  }
  void on_connection_lost(std::function<void()> handler) { on_lost_ = std::move(handler); }
  void on_message(MessageHandler handler) { on_message_ = std::move(handler); }

  // Starts connecting; returns at once.
  void start();
  bool connected() const { return connected_.load(); }

  // Disconnects (the broker keeps a persistent session), giving in-flight
  // outgoing messages up to `timeout` to complete. Idempotent.
  void stop(std::chrono::milliseconds timeout);

  // Both return without waiting for the broker; `done` runs once, on Paho's
  // thread, with true when the broker granted the subscription (SUBACK
  // without failure) or acknowledged / wrote the message.
  using Done = std::function<void(bool ok)>;
  void subscribe(const std::string& filter, int qos, Done done);
  // False if the client would not take the message now (e.g. offline buffer
  // full); then `done` is never called.
  bool publish(const std::string& topic, const std::string& payload, int qos, Done done);

  const std::string& client_id() const { return options_.client_id; }

 private:
  class Listener;

  // After a failed first connect over TLS: logs why, from a TlsProbe on
  // tls_probe_ (at most one per connection). Called on Paho's thread.
  void explain_tls_failure();

  const MqttConfig config_;
  const MqttConnectionOptions options_;
  spdlog::logger& log_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<mqtt::iaction_listener> connect_failure_;
  std::function<void(bool)> on_connected_;
  std::function<void()> on_lost_;
  MessageHandler on_message_;
  std::atomic<bool> connected_{false};
  std::atomic<bool> ever_connected_{false};
  std::atomic<bool> started_{false};
  std::atomic<bool> stopped_{false};
  std::mutex tls_probe_mutex_;  // guards tls_probe_ (started on Paho's thread, joined by stop())
  std::thread tls_probe_;
  // Last, so it is destroyed first: nothing its callbacks touch is gone before it.
  std::unique_ptr<mqtt::async_client> client_;
};

// Paho speaks tcp:// and ssl://; the config also accepts mqtt:// and mqtts://.
std::string paho_uri(std::string_view uri);

}  // namespace vitalsd
