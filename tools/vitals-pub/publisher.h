// Publisher: where a sending thread puts its messages. The Paho adapter is the
// real one; tests use a recording fake. One instance per sending thread; not
// thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace vitals_pub {

class Publisher {
 public:
  virtual ~Publisher() = default;
  // Queues one message. May block while too many are in flight (that is the
  // flow control that keeps memory flat). False: it failed; error() says why.
  virtual bool publish(const std::string& topic, std::string_view payload) = 0;
  // Waits until everything queued is delivered (QoS 1: acknowledged).
  virtual bool flush(std::chrono::milliseconds timeout) = 0;
  virtual std::string error() const = 0;
};

// For --plan: accepts every message and sends nothing.
class DiscardingPublisher final : public Publisher {
 public:
  bool publish(const std::string&, std::string_view) override { return true; }
  bool flush(std::chrono::milliseconds) override { return true; }
  std::string error() const override { return {}; }
};

}  // namespace vitals_pub
