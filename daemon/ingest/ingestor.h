// Ingestor: the fate of every message on vitalsd's subscriptions.
//
// Readings: topic -> patient id (or bad_topic) -> ReadingParser -> Reading
// handed to the WorkSink (the worker pool; may block for back-pressure), or a
// Rejection counted and handed to the RejectionSink. Every message received
// on the readings subscription is counted and ends up processed or rejected:
// nothing is dropped silently.
// Acknowledgements: topic on the ack subscription -> AckRequest to the
// patient's worker (which knows whether the alert is active), or counted as
// invalid and logged.
//
// Threads: on_message() from the MQTT delivery thread only (owns the parsers).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/clock.h"
#include "ingest/ack.h"
#include "ingest/ack_parser.h"
#include "ingest/reading.h"
#include "ingest/reading_parser.h"
#include "ingest/rejection.h"
#include "ingest/topic_filter.h"
#include "telemetry/stat_counters.h"

namespace vitalsd {

// Where accepted work goes: the worker that owns the patient.
class WorkSink {
 public:
  virtual ~WorkSink() = default;
  // Each takes the item, waiting for room if need be. False if the sink is
  // shut down (then the item was not taken).
  virtual bool accept(const Reading& reading) = 0;
  virtual bool accept(const AckRequest& ack) = 0;
};

class RejectionSink {
 public:
  virtual ~RejectionSink() = default;
  virtual void rejected(const Rejection& rejection, std::string_view topic,
                        std::int64_t received_ms) = 0;
  virtual void ack_rejected(std::string_view reason, std::string_view topic) = 0;
};

class Ingestor {
 public:
  Ingestor(TopicFilter readings, std::optional<TopicFilter> acks, ReadingParserLimits limits,
           const Clock& clock, WorkSink& sink, RejectionSink& rejections, IngestStats& stats);

  // `redelivered`: the MQTT DUP flag (see Reading::redelivered).
  void on_message(std::string_view topic, std::string_view payload, bool redelivered = false);

  // Items the sink refused because it was shut down (should stay 0: shutdown stops intake first).
  std::uint64_t refused() const { return refused_; }

 private:
  void on_reading(std::string_view topic, std::string_view payload, bool redelivered);
  void on_ack(std::string_view topic, std::string_view payload);
  void reject(Rejection rejection, std::string_view topic, std::int64_t received_ms);

  const TopicFilter readings_;
  const std::optional<TopicFilter> acks_;
  ReadingParser parser_;
  AckParser ack_parser_;
  const Clock& clock_;
  WorkSink& sink_;
  RejectionSink& rejections_;
  IngestStats& stats_;
  std::uint64_t refused_ = 0;
};

}  // namespace vitalsd
