// AlertRecorder: where the notifier also records each alert transition, with
// the exact JSON it publishes (the Redis alert stream and active hash).
#pragma once

#include <string>

#include "analysis/alert_event.h"

namespace vitalsd {

class AlertRecorder {
 public:
  virtual ~AlertRecorder() = default;
  // The stream: once per transition, in emission order, from the notifier
  // thread, as it is handed to MQTT. A second notification channel must not
  // wait for the first one's broker. Must not block.
  virtual void emitted(const AlertEvent& event, const std::string& json) = 0;
  // The active state: once per transition when the broker has acknowledged
  // it, from the MQTT client's callback thread. Later than emitted() because
  // a restart restores active alerts from it: if it held an alert MQTT never
  // carried (vitalsd killed before the PUBACK), the restart would restore
  // that alert and never raise it on MQTT. Must not block.
  virtual void delivered(const AlertEvent& event, const std::string& json) = 0;
};

}  // namespace vitalsd
