// Builders and recording fakes shared by the unit tests.
#pragma once

#include <initializer_list>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "analysis/alert_event.h"
#include "analysis/rule_set.h"
#include "ingest/reading.h"
#include "notify/message_publisher.h"

namespace vitalsd::testing {

inline Reading make_reading(std::string_view patient, std::int64_t ts_ms,
                            std::initializer_list<std::pair<Vital, double>> vitals,
                            std::string_view device = "") {
  Reading r;
  r.patient = PatientId(patient);
  r.device = DeviceId(device);
  r.ts_ms = ts_ms;
  r.received_ms = ts_ms;
  for (const auto& [v, value] : vitals) r.vitals.set(v, value);
  return r;
}

inline ThresholdRule make_rule(std::string name, Vital metric, Direction direction,
                               std::vector<ThresholdLevel> levels,
                               std::chrono::milliseconds for_duration = {},
                               double hysteresis = 0) {
  ThresholdRule r;
  r.name = std::move(name);
  r.metric = metric;
  r.direction = direction;
  r.levels = std::move(levels);
  r.for_duration = for_duration;
  r.hysteresis = hysteresis;
  return r;
}

// Records every alert emitted. Thread-safe.
class RecordingAlertSink final : public AlertSink {
 public:
  void emit(const AlertEvent& e) override {
    std::lock_guard lock(mutex_);
    events_.push_back(e);
  }
  std::vector<AlertEvent> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  // "rule:state:severity" per event, for compact assertions.
  std::vector<std::string> summary() const {
    std::vector<std::string> out;
    for (const auto& e : events()) {
      out.push_back(std::string(e.patient.view()) + ":" + std::string(e.rule.view()) + ":" +
                    std::string(alert_state_name(e.state)) + ":" +
                    std::string(severity_name(e.severity)));
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<AlertEvent> events_;
};

// Records what was published; completes deliveries when told to.
class FakePublisher final : public MessagePublisher {
 public:
  struct Message {
    std::string topic;
    std::string payload;
    int qos;
  };

  bool publish(const std::string& topic, const std::string& payload, int qos,
               Done done) override {
    std::lock_guard lock(mutex_);
    if (refuse_) return false;
    messages_.push_back({topic, payload, qos});
    pending_.push_back(std::move(done));
    return true;
  }

  // Completes every pending delivery with `delivered`.
  void complete_all(bool delivered = true) {
    std::vector<Done> pending;
    {
      std::lock_guard lock(mutex_);
      pending.swap(pending_);
    }
    for (auto& d : pending) {
      if (d) d(delivered);
    }
  }
  void set_refuse(bool refuse) {
    std::lock_guard lock(mutex_);
    refuse_ = refuse;
  }
  std::vector<Message> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  std::size_t pending() const {
    std::lock_guard lock(mutex_);
    return pending_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Message> messages_;
  std::vector<Done> pending_;
  bool refuse_ = false;
};

}  // namespace vitalsd::testing
