// AlertRecorder: where the notifier also records each alert transition, with
// the exact JSON it publishes (the Redis alert stream and active hash).
#pragma once

#include <string>

#include "analysis/alert_event.h"

namespace vitalsd {

class AlertRecorder {
 public:
  virtual ~AlertRecorder() = default;
  // Called once per transition when the broker has acknowledged it (so in
  // acknowledgement order: emission order except for republished failures),
  // from the MQTT client's callback thread. Must not block.
  virtual void record(const AlertEvent& event, const std::string& json) = 0;
};

}  // namespace vitalsd
