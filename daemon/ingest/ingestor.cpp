#include "ingest/ingestor.h"

#include <string>

namespace vitalsd {

Ingestor::Ingestor(TopicFilter readings, std::optional<TopicFilter> acks,
                   ReadingParserLimits limits, const Clock& clock, WorkSink& sink,
                   RejectionSink& rejections, IngestStats& stats)
    : readings_(std::move(readings)),
      acks_(std::move(acks)),
      parser_(limits),
      clock_(clock),
      sink_(sink),
      rejections_(rejections),
      stats_(stats) {}

void Ingestor::on_message(std::string_view topic, std::string_view payload, bool redelivered) {
  // The ack filter is checked first and by shape only, so a malformed ack
  // topic is reported as a bad ack rather than counted as a reading.
  if (acks_ && acks_->matches(topic) && !readings_.matches(topic)) {
    on_ack(topic, payload);
  } else {
    on_reading(topic, payload, redelivered);
  }
}

void Ingestor::on_reading(std::string_view topic, std::string_view payload, bool redelivered) {
  stats_.received.inc();
  const std::int64_t received_ms = clock_.wall_ms();
  const std::int64_t received_mono_ns = clock_.mono_ns();

  const std::optional<std::string_view> patient = readings_.patient_of(topic);
  if (!patient) {
    reject({RejectReason::bad_topic, "topic does not name a valid patient id"}, topic, received_ms);
    return;
  }
  auto parsed = parser_.parse(*patient, payload, received_ms, received_mono_ns);
  if (!parsed) {
    reject(std::move(parsed).error(), topic, received_ms);
    return;
  }
  parsed->redelivered = redelivered;
  if (!sink_.accept(*parsed)) ++refused_;
}

void Ingestor::on_ack(std::string_view topic, std::string_view payload) {
  const std::optional<std::string_view> patient = acks_->patient_of(topic);
  if (!patient) {
    stats_.acks_invalid.inc();
    rejections_.ack_rejected("topic does not name a valid patient id", topic);
    return;
  }
  auto ack = ack_parser_.parse(*patient, payload, clock_.wall_ms());
  if (!ack) {
    stats_.acks_invalid.inc();
    rejections_.ack_rejected(ack.error(), topic);
    return;
  }
  if (!sink_.accept(*ack)) ++refused_;
}

void Ingestor::reject(Rejection rejection, std::string_view topic, std::int64_t received_ms) {
  stats_.rejected[static_cast<std::size_t>(rejection.reason)].inc();
  rejections_.rejected(rejection, topic, received_ms);
}

}  // namespace vitalsd
