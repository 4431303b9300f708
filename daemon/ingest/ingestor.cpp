#include "ingest/ingestor.h"

#include <string>

namespace vitalsd {

Ingestor::Ingestor(TopicFilter readings, ReadingParserLimits limits, const Clock& clock,
                   ReadingSink& readings_sink, RejectionSink& rejections, IngestStats& stats)
    : readings_(std::move(readings)),
      parser_(limits),
      clock_(clock),
      sink_(readings_sink),
      rejections_(rejections),
      stats_(stats) {}

void Ingestor::on_message(std::string_view topic, std::string_view payload) {
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
  if (!sink_.accept(*parsed)) ++refused_;
}

void Ingestor::reject(Rejection rejection, std::string_view topic, std::int64_t received_ms) {
  stats_.rejected[static_cast<std::size_t>(rejection.reason)].inc();
  rejections_.rejected(rejection, topic, received_ms);
}

}  // namespace vitalsd
