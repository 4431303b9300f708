#include "notify/alert_json.h"

#include "common/json_writer.h"
#include "common/time_format.h"

namespace vitalsd {
namespace {

void append_timestamp(std::string& out, std::int64_t epoch_ms) {
  char buf[32];
  out += '"';
  out.append(buf, format_rfc3339_ms(epoch_ms, buf));
  out += '"';
}

template <class T, class Fn>
void append_optional(std::string& out, const std::optional<T>& v, Fn&& append) {
  if (v) {
    append(out, *v);
  } else {
    out += "null";
  }
}

}  // namespace

void encode_alert_json(const AlertEvent& e, std::string& out) {
  using namespace json;
  out.clear();
  out += '{';
  append_key(out, "id");
  append_string(out, e.id.hex().view());
  out += ',';
  append_key(out, "patient");
  append_string(out, e.patient.view());
  out += ',';
  append_key(out, "rule");
  append_string(out, e.rule.view());
  out += ',';
  append_key(out, "metric");
  append_string(out, e.metric);
  out += ',';
  append_key(out, "state");
  append_string(out, alert_state_name(e.state));
  out += ',';
  append_key(out, "severity");
  append_string(out, severity_name(e.severity));
  out += ',';
  append_key(out, "value");
  append_optional(out, e.value, append_number);
  out += ',';
  append_key(out, "threshold");
  append_optional(out, e.threshold, append_number);
  out += ',';
  append_key(out, "reading_ts");
  append_optional(out, e.reading_ts_ms, append_timestamp);
  out += ',';
  append_key(out, "emitted_ts");
  append_timestamp(out, e.emitted_ms);
  out += ',';
  append_key(out, "device");
  if (e.device.empty()) {
    out += "null";
  } else {
    append_string(out, e.device.view());
  }
  if (e.news2) {
    const News2Detail& n = *e.news2;
    out += ',';
    append_key(out, "score");
    append_int(out, n.score);
    out += ',';
    append_key(out, "subscores");
    out += '{';
    for (std::size_t i = 0; i < kNews2SubscoreKeys.size(); ++i) {
      if (i > 0) out += ',';
      append_key(out, kNews2SubscoreKeys[i]);
      append_int(out, n.subscores[i]);
    }
    out += '}';
    out += ',';
    append_key(out, "risk");
    append_string(out, news2_risk_name(n.risk));
    out += ',';
    append_key(out, "assumed");
    out += '[';
    if (n.assumed_o2) append_string(out, "o2");
    if (n.assumed_o2 && n.assumed_acvpu) out += ',';
    if (n.assumed_acvpu) append_string(out, "acvpu");
    out += ']';
  }
  if (e.state == AlertState::acknowledged) {
    out += ',';
    append_key(out, "by");
    append_string(out, e.acked_by.view());
  }
  if (e.reason) {
    out += ',';
    append_key(out, "reason");
    append_string(out, clear_reason_name(*e.reason));
  }
  out += '}';
}

}  // namespace vitalsd
