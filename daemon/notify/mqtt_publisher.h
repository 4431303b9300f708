// MqttPublisher: MessagePublisher over vitalsd's dedicated publishing
// connection (client id "<client_id>-pub"), separate from the readings
// subscription so that the broker's flow control on one does not hold up the
// other. (Both share Paho's one delivery thread and lock: while ingest waits
// for a full worker queue, QoS 1 publish calls wait too; see mqtt_connection.h.)
// Messages published while the broker is unreachable are buffered by Paho (up
// to kOfflineBuffer) and sent on reconnect. A QoS 1 message in flight when the
// broker loses the session fails, and the Notifier publishes it again.
//
// Thread-safe: publish() may be called from any thread.
#pragma once

#include <spdlog/logger.h>

#include "config/config.h"
#include "mqtt/mqtt_connection.h"
#include "notify/message_publisher.h"

namespace vitalsd {

class MqttPublisher final : public MessagePublisher {
 public:
  static constexpr int kOfflineBuffer = 100'000;

  MqttPublisher(const MqttConfig& config, spdlog::logger& log)
      : connection_(config,
                    MqttConnectionOptions{.client_id = config.client_id + "-pub",
                                          .clean_session = false,
                                          .max_buffered = kOfflineBuffer},
                    log) {}

  void start() { connection_.start(); }
  void stop(std::chrono::milliseconds timeout) { connection_.stop(timeout); }
  MqttConnection& connection() { return connection_; }

  bool publish(const std::string& topic, const std::string& payload, int qos,
               Done done) override {
    return connection_.publish(topic, payload, qos, std::move(done));
  }
  bool connected() const override { return connection_.connected(); }

 private:
  MqttConnection connection_;
};

}  // namespace vitalsd
