// Ingestor: the fate of every message on the readings subscription.
//
// topic -> patient id (or bad_topic) -> ReadingParser -> Reading handed to the
// ReadingSink (the worker pool; may block for back-pressure), or Rejection
// counted and handed to the RejectionSink. Every message received is counted,
// and ends up either processed or rejected: nothing is dropped silently.
//
// Threads: on_message() from the MQTT delivery thread only (owns the parser).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/clock.h"
#include "ingest/reading.h"
#include "ingest/reading_parser.h"
#include "ingest/rejection.h"
#include "ingest/topic_filter.h"
#include "telemetry/stat_counters.h"

namespace vitalsd {

class ReadingSink {
 public:
  virtual ~ReadingSink() = default;
  // Takes the reading, waiting for room if need be. False if the sink is
  // shut down (then the reading was not taken).
  virtual bool accept(const Reading& reading) = 0;
};

class RejectionSink {
 public:
  virtual ~RejectionSink() = default;
  virtual void rejected(const Rejection& rejection, std::string_view topic,
                        std::int64_t received_ms) = 0;
};

class Ingestor {
 public:
  Ingestor(TopicFilter readings, ReadingParserLimits limits, const Clock& clock,
           ReadingSink& readings_sink, RejectionSink& rejections, IngestStats& stats);

  void on_message(std::string_view topic, std::string_view payload);

  // Readings the sink refused because it was shut down (should stay 0: shutdown stops intake first).
  std::uint64_t refused() const { return refused_; }

 private:
  void reject(Rejection rejection, std::string_view topic, std::int64_t received_ms);

  const TopicFilter readings_;
  ReadingParser parser_;
  const Clock& clock_;
  ReadingSink& sink_;
  RejectionSink& rejections_;
  IngestStats& stats_;
  std::uint64_t refused_ = 0;
};

}  // namespace vitalsd
