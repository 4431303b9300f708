// RejectionReporter: tells the outside world about a rejected message.
//
// Publishes {"reason","topic","detail","received_ts"} to mqtt.rejected_topic
// at QoS 0 (SPEC §2) and logs it, at most one line per reason per interval
// with a count of what was suppressed, and never the payload.
//
// Threads: rejected() from the MQTT delivery thread only.
#pragma once

#include <chrono>
#include <string>

#include <spdlog/logger.h>

#include "common/clock.h"
#include "ingest/ingestor.h"
#include "notify/message_publisher.h"
#include "telemetry/log_throttle.h"

namespace vitalsd {

void encode_rejection_json(const Rejection& rejection, std::string_view topic,
                           std::int64_t received_ms, std::string& out);

class RejectionReporter final : public RejectionSink {
 public:
  RejectionReporter(MessagePublisher& publisher, std::string rejected_topic, const Clock& clock,
                    spdlog::logger& log,
                    std::chrono::milliseconds log_interval = std::chrono::seconds(10));

  void rejected(const Rejection& rejection, std::string_view topic,
                std::int64_t received_ms) override;
  // Invalid acknowledgements are logged (throttled), not published: the
  // rejected topic is the contract for readings.
  void ack_rejected(std::string_view reason, std::string_view topic) override;

 private:
  MessagePublisher& publisher_;
  const std::string rejected_topic_;
  spdlog::logger& log_;
  static constexpr std::size_t kAckKey = kRejectReasonCount;
  LogThrottle<kRejectReasonCount + 1> throttle_;
  std::string json_;  // reused buffer
};

}  // namespace vitalsd
