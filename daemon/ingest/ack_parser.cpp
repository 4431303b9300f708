#include "ingest/ack_parser.h"

#include <simdjson.h>

namespace vitalsd {
namespace {

constexpr std::size_t kMaxAckPayload = 4096;  // an ack is a few dozen bytes

bool is_rule_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxRuleNameLength) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

struct AckParser::Impl {
  simdjson::dom::parser parser;
};

AckParser::AckParser() : impl_(std::make_unique<Impl>()) {}
AckParser::~AckParser() = default;

Expected<AckRequest, std::string> AckParser::parse(std::string_view patient,
                                                   std::string_view payload,
                                                   std::int64_t received_ms) {
  if (payload.size() > kMaxAckPayload) return unexpected(std::string("payload too large"));
  const simdjson::padded_string padded(payload);
  simdjson::dom::element doc;
  if (impl_->parser.parse(padded).get(doc) != simdjson::SUCCESS) {
    return unexpected(std::string("not valid JSON"));
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return unexpected(std::string("not a JSON object"));
  }
  AckRequest ack;
  ack.patient = PatientId(patient);
  ack.received_ms = received_ms;
  bool have_rule = false;
  for (auto [key, value] : obj) {
    if (key == "rule") {
      std::string_view rule;
      if (value.get_string().get(rule) != simdjson::SUCCESS || !is_rule_name(rule)) {
        return unexpected(std::string("'rule' must be a rule name"));
      }
      ack.rule = RuleName(rule);
      have_rule = true;
    } else if (key == "by") {
      std::string_view by;
      if (value.get_string().get(by) != simdjson::SUCCESS || !ack.by.try_assign(by)) {
        return unexpected(std::string("'by' must be a string of at most 64 bytes"));
      }
    }
  }
  if (!have_rule) return unexpected(std::string("missing 'rule'"));
  return ack;
}

}  // namespace vitalsd
