// PahoPublisher: a Publisher on one Paho MQTT async client. Paho's exceptions
// stop here and become a false return plus error().
//
// Flow control: at most `max_inflight` delivery tokens are outstanding; when
// the window is full, publish() waits for the oldest. Paho's own max_inflight
// is set to the same number, so it never refuses a message for that reason.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <mqtt/async_client.h>

#include "common/expected.h"
#include "publisher.h"

namespace vitals_pub {

struct MqttSettings {
  std::string uri;
  std::string client_id;
  int qos = 1;
  std::string username;
  std::optional<std::string> password;
  std::string ca_file, cert_file, key_file;
  unsigned max_inflight = 1000;
  bool nagle = false;  // false: TCP_NODELAY after connecting (tcp_nodelay.h)
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds delivery_timeout{30};  // for one token at the head of the window
};

class PahoPublisher final : public Publisher {
 public:
  // Connects (blocking, bounded by connect_timeout).
  static vitalsd::Expected<std::unique_ptr<PahoPublisher>, std::string> connect(
      const MqttSettings& settings);
  ~PahoPublisher() override;

  bool publish(const std::string& topic, std::string_view payload) override;
  bool flush(std::chrono::milliseconds timeout) override;
  std::string error() const override { return error_; }

  // Flushes nothing; disconnects within `timeout`. Idempotent.
  void disconnect(std::chrono::milliseconds timeout);

 private:
  explicit PahoPublisher(const MqttSettings& settings);
  bool wait_oldest(std::chrono::milliseconds timeout);

  const MqttSettings settings_;
  mqtt::async_client client_;
  std::deque<mqtt::delivery_token_ptr> window_;
  std::string error_;
  bool connected_ = false;
};

}  // namespace vitals_pub
