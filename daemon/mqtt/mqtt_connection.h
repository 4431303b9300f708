// MqttConnection: one Paho MQTT connection to the broker, kept up.
//
// vitalsd runs two: the readings subscriber (ingest) and the alert publisher
// (notify). Keeping publishing off the subscriber's connection means a
// subscriber held back by a full worker queue never holds back the alerts.
//
// start() connects in the background and retries a failed first connect with
// capped exponential backoff; once connected, Paho's automatic reconnect
// takes over with the same bounds. TLS and credentials come from MqttConfig.
// Paho exceptions stop here.
//
// Threads: handlers run on Paho's threads and must not block on anything
// that needs Paho to make progress. start()/stop() from the owning thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
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
}

namespace vitalsd {

struct MqttConnectionOptions {
  std::string client_id;
  bool clean_session = false;
  // Publisher: accept publishes while disconnected and send them on reconnect.
  int offline_buffer = 0;  // 0 = off
  int max_inflight = 1024;
};

class MqttConnection {
 public:
  using MessageHandler = std::function<void(const std::string& topic, const std::string& payload)>;

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
  void connect_loop();

  const MqttConfig config_;
  const MqttConnectionOptions options_;
  spdlog::logger& log_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<mqtt::async_client> client_;
  std::function<void(bool)> on_connected_;
  std::function<void()> on_lost_;
  MessageHandler on_message_;
  std::atomic<bool> connected_{false};
  std::atomic<bool> ever_connected_{false};

  std::mutex mutex_;  // guards stopping_ for the connect loop's wait
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread connect_thread_;
};

// Paho speaks tcp:// and ssl://; the config also accepts mqtt:// and mqtts://.
std::string paho_uri(std::string_view uri);

}  // namespace vitalsd
