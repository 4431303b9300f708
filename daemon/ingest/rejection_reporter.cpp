#include "ingest/rejection_reporter.h"

#include "common/json_writer.h"
#include "common/time_format.h"

namespace vitalsd {

void encode_rejection_json(const Rejection& rejection, std::string_view topic,
                           std::int64_t received_ms, std::string& out) {
  using namespace json;
  out.clear();
  out += '{';
  append_key(out, "reason");
  append_string(out, reject_reason_name(rejection.reason));
  out += ',';
  append_key(out, "topic");
  append_string(out, topic);
  out += ',';
  append_key(out, "detail");
  append_string(out, rejection.detail);
  out += ',';
  append_key(out, "received_ts");
  append_string(out, format_rfc3339_ms(received_ms));
  out += '}';
}

RejectionReporter::RejectionReporter(MessagePublisher& publisher, std::string rejected_topic,
                                     const Clock& clock, spdlog::logger& log,
                                     std::chrono::milliseconds log_interval)
    : publisher_(publisher),
      rejected_topic_(std::move(rejected_topic)),
      log_(log),
      throttle_(clock, log_interval) {}

void RejectionReporter::ack_rejected(std::string_view reason, std::string_view topic) {
  std::uint64_t suppressed = 0;
  if (!throttle_.admit(kAckKey, &suppressed)) return;
  std::string shown;
  json::append_string(shown, topic.substr(0, 200));
  log_.warn("ignored acknowledgement on {}: {} [{} more invalid acks since last logged]", shown,
            reason, suppressed);
}

void RejectionReporter::rejected(const Rejection& rejection, std::string_view topic,
                                 std::int64_t received_ms) {
  std::uint64_t suppressed = 0;
  if (throttle_.admit(static_cast<std::size_t>(rejection.reason), &suppressed)) {
    // The topic is untrusted: print it escaped, like the JSON notice does.
    std::string shown;
    json::append_string(shown, topic.substr(0, 200));
    if (suppressed > 0) {
      log_.warn("rejected reading on {}: {} ({}) [{} more {} rejections since last logged]", shown,
                reject_reason_name(rejection.reason), rejection.detail, suppressed,
                reject_reason_name(rejection.reason));
    } else {
      log_.warn("rejected reading on {}: {} ({})", shown, reject_reason_name(rejection.reason),
                rejection.detail);
    }
  }
  // QoS 0: a notice for humans and dashboards; the counter is the record.
  // Not buffered while the broker is away: that buffer is for alerts.
  if (!publisher_.connected()) return;
  encode_rejection_json(rejection, topic, received_ms, json_);
  publisher_.publish(rejected_topic_, json_, 0, nullptr);
}

}  // namespace vitalsd
