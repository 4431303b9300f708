// MessagePublisher: the narrow interface through which vitalsd sends MQTT
// messages (alerts, rejection notices). The real one is MqttPublisher; unit
// tests use a recording fake.
#pragma once

#include <functional>
#include <string>

namespace vitalsd {

class MessagePublisher {
 public:
  // Called exactly once per accepted message, on the client's thread:
  // true when the broker acknowledged it (QoS 1) or it was written (QoS 0),
  // false when it failed for good.
  using Done = std::function<void(bool delivered)>;

  virtual ~MessagePublisher() = default;

  // Hands one message to the connection without waiting for the broker.
  // Returns false if the connection cannot take it now (e.g. its offline
  // buffer is full); then `done` is never called and the caller keeps the
  // message to try again.
  virtual bool publish(const std::string& topic, const std::string& payload, int qos,
                       Done done) = 0;

  // Whether the connection is up now (messages published meanwhile wait in a buffer).
  virtual bool connected() const { return true; }
};

}  // namespace vitalsd
