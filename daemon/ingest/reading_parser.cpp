#include "ingest/reading_parser.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <optional>
#include <string>

#include "common/patient_id.h"
#include "common/time_format.h"
#include "common/vitals.h"
#include "ingest/number_rewrite.h"

namespace vitalsd {
namespace {

namespace dom = simdjson::dom;
using ingest_detail::NumberRewriteKind;
using ingest_detail::NumberRewrites;
using ingest_detail::RewrittenMember;

// Typical readings are ~200 bytes; start big enough that they never make the
// parser grow, and grow geometrically (up to max_payload_bytes) otherwise.
constexpr std::size_t kInitialCapacity = 4096;
// Room for the "{}" that sizes simdjson (see reserve()) and simdjson's own minimum.
constexpr std::size_t kMinCapacity = simdjson::dom::MINIMAL_DOCUMENT_CAPACITY;

// Longest piece of untrusted input a rejection detail may echo.
constexpr std::size_t kMaxEchoedBytes = 64;

enum class Field : std::uint8_t { ts, device, hr, spo2, rr, temp, sbp, dbp, acvpu, o2, unknown };
constexpr std::size_t kKnownFieldCount = 10;
constexpr std::array<std::string_view, kKnownFieldCount> kFieldNames = {
    "ts", "device", "hr", "spo2", "rr", "temp", "sbp", "dbp", "acvpu", "o2"};

std::string_view name_of(Field f) { return kFieldNames[static_cast<std::size_t>(f)]; }

// Dispatches on length and first byte before comparing: a linear scan of
// string_view == costs a memcmp call per name and was a third of parse time.
Field field_of(std::string_view key) {
  auto is = [key](Field f) { return key == name_of(f); };
  switch (key.size()) {
    case 2:
      if (key[0] == 'h') return is(Field::hr) ? Field::hr : Field::unknown;
      if (key[0] == 'r') return is(Field::rr) ? Field::rr : Field::unknown;
      if (key[0] == 't') return is(Field::ts) ? Field::ts : Field::unknown;
      if (key[0] == 'o') return is(Field::o2) ? Field::o2 : Field::unknown;
      return Field::unknown;
    case 3:
      if (key[0] == 's') return is(Field::sbp) ? Field::sbp : Field::unknown;
      if (key[0] == 'd') return is(Field::dbp) ? Field::dbp : Field::unknown;
      return Field::unknown;
    case 4:
      if (key[0] == 's') return is(Field::spo2) ? Field::spo2 : Field::unknown;
      if (key[0] == 't') return is(Field::temp) ? Field::temp : Field::unknown;
      return Field::unknown;
    case 5:
      return is(Field::acvpu) ? Field::acvpu : Field::unknown;
    case 6:
      return is(Field::device) ? Field::device : Field::unknown;
    default:
      return Field::unknown;
  }
}

std::optional<Vital> vital_of(Field f) {
  switch (f) {
    case Field::hr:
      return Vital::hr;
    case Field::spo2:
      return Vital::spo2;
    case Field::rr:
      return Vital::rr;
    case Field::temp:
      return Vital::temp;
    case Field::sbp:
      return Vital::sbp;
    case Field::dbp:
      return Vital::dbp;
    default:
      return std::nullopt;
  }
}

std::string_view kind_of(dom::element_type t) {
  switch (t) {
    case dom::element_type::ARRAY:
      return "array";
    case dom::element_type::OBJECT:
      return "object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return "number";
    case dom::element_type::STRING:
      return "string";
    case dom::element_type::BOOL:
      return "boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "?";
}

// Untrusted text for a detail: at most kMaxEchoedBytes, with quotes,
// backslashes, control and non-ASCII bytes escaped so the detail is safe in a
// log line and valid UTF-8 in the published JSON even when the cut lands
// inside a multi-byte character. A cut is marked with "...".
std::string echo_unquoted(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < kMaxEchoedBytes; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > kMaxEchoedBytes) out += "...";
  return out;
}

// A JSON string value, shown quoted so that "" and " A" are visible as such.
std::string echo(std::string_view s) {
  std::string out = echo_unquoted(s.substr(0, kMaxEchoedBytes));
  return s.size() > kMaxEchoedBytes ? fmt::format("\"{}\"...", out) : fmt::format("\"{}\"", out);
}

Rejection reject(RejectReason reason, std::string detail) { return {reason, std::move(detail)}; }

// simdjson's own messages are long; these name the problem in a few words.
std::string malformed_detail(simdjson::error_code error) {
  switch (error) {
    case simdjson::EMPTY:
      return "payload is empty";
    case simdjson::UTF8_ERROR:
      return "payload is not valid UTF-8";
    case simdjson::DEPTH_ERROR:
      return fmt::format("JSON nested deeper than {} levels", simdjson::DEFAULT_MAX_DEPTH);
    case simdjson::NUMBER_ERROR:
      return "invalid JSON number";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return "invalid JSON literal (not true, false or null)";
    case simdjson::STRING_ERROR:
      return "invalid JSON string escape";
    case simdjson::UNCLOSED_STRING:
      return "unclosed JSON string";
    case simdjson::UNESCAPED_CHARS:
      return "unescaped control character in a JSON string";
    case simdjson::TAPE_ERROR:
      return "invalid JSON structure";
    default:
      return fmt::format("invalid JSON: {}", simdjson::error_message(error));
  }
}

// The problems found while walking the members, one slot per reason so that
// precedence does not depend on the order the fields came in. Within one
// reason, the first offending member in document order wins.
struct Findings {
  std::optional<Rejection> bad_timestamp;
  std::optional<Rejection> implausible;
};

class MemberChecker {
 public:
  MemberChecker(Reading& reading, Findings& findings, const NumberRewrites* rewrites,
                std::string_view payload)
      : reading_(reading), findings_(findings), rewrites_(rewrites), payload_(payload) {}

  // Applies one known member to the reading. Returns a bad_value rejection,
  // which ends the parse; other problems are noted in `findings`.
  std::optional<Rejection> apply(Field field, dom::element value, std::size_t member_index) {
    const std::uint16_t bit = static_cast<std::uint16_t>(1U << static_cast<unsigned>(field));
    if (seen_ & bit) {
      return reject(RejectReason::bad_value, fmt::format("duplicate field '{}'", name_of(field)));
    }
    seen_ |= bit;

    const dom::element_type type = value.type();
    const RewrittenMember* rewritten = rewrites_ ? rewrites_->find(member_index) : nullptr;
    if (rewritten && rewritten->kind == NumberRewriteKind::beyond_double) {
      return reject(RejectReason::bad_value,
                    fmt::format("{}={} does not fit a double", name_of(field),
                                echo_unquoted(original_token(*rewritten))));
    }
    // JSON null is bad_value, not "absent": a device with no value must omit the
    // field. Reading null as absent would let a sensor fault pass silently as a
    // reading without that vital (or, for ts, as one stamped at receive time).
    if (type == dom::element_type::NULL_VALUE) {
      return reject(RejectReason::bad_value, fmt::format("field '{}' is null", name_of(field)));
    }

    if (const std::optional<Vital> vital = vital_of(field)) {
      return apply_vital(field, *vital, value);
    }
    switch (field) {
      case Field::ts:
        return apply_ts(value, rewritten);
      case Field::device:
        return apply_device(value);
      case Field::acvpu:
        return apply_acvpu(value);
      case Field::o2:
        if (type != dom::element_type::BOOL) return wrong_type(field, "a boolean", type);
        reading_.o2 = value.get_bool().value_unsafe();
        return std::nullopt;
      default:
        assert(false && "every known field is handled");
        return std::nullopt;
    }
  }

  bool has_ts() const { return (seen_ & (1U << static_cast<unsigned>(Field::ts))) != 0; }

 private:
  static std::optional<Rejection> wrong_type(Field field, std::string_view expected,
                                             dom::element_type got) {
    return reject(RejectReason::bad_value, fmt::format("field '{}' must be {}, got {}",
                                                       name_of(field), expected, kind_of(got)));
  }

  std::string_view original_token(const RewrittenMember& m) const {
    return payload_.substr(m.offset, m.length);
  }

  std::optional<Rejection> apply_vital(Field field, Vital vital, dom::element value) {
    double v = 0;
    switch (value.type()) {
      case dom::element_type::INT64:
        v = static_cast<double>(value.get_int64().value_unsafe());
        break;
      case dom::element_type::UINT64:
        v = static_cast<double>(value.get_uint64().value_unsafe());
        break;
      case dom::element_type::DOUBLE:
        v = value.get_double().value_unsafe();
        break;
      default:
        return wrong_type(field, "a number", value.type());
    }
    // simdjson never yields these from JSON text; kept because a NaN would
    // slip past every range comparison below.
    if (!std::isfinite(v)) {
      return reject(RejectReason::bad_value,
                    fmt::format("{} is not a finite number", vital_name(vital)));
    }
    if (v == 0) v = 0;  // -0 would print as "-0" in alerts
    const VitalRange range = plausible_range(vital);
    if ((v < range.min || v > range.max) && !findings_.implausible) {
      findings_.implausible =
          reject(RejectReason::implausible,
                 fmt::format("{}={} outside {}-{}", vital_name(vital), v, range.min, range.max));
    }
    reading_.vitals.set(vital, v);
    return std::nullopt;
  }

  // Wrong JSON type is bad_value like any other field; a number or string of
  // the right type that is not a usable time is bad_timestamp (SPEC §2).
  std::optional<Rejection> apply_ts(dom::element value, const RewrittenMember* rewritten) {
    switch (value.type()) {
      case dom::element_type::INT64: {
        const std::int64_t ms = value.get_int64().value_unsafe();
        if (ms < 0) return note_bad_ts(fmt::format("ts={} is negative", ms));
        reading_.ts_ms = ms;
        return std::nullopt;
      }
      case dom::element_type::UINT64:
        return note_bad_ts(
            fmt::format("ts={} is beyond the int64 range", value.get_uint64().value_unsafe()));
      case dom::element_type::DOUBLE:
        if (rewritten) {  // an integer too big for simdjson's integer types
          return note_bad_ts(fmt::format("ts={} is beyond the int64 range",
                                         echo_unquoted(original_token(*rewritten))));
        }
        return note_bad_ts(
            fmt::format("ts={} must be an integer of epoch ms (no fraction or exponent)",
                        value.get_double().value_unsafe()));
      case dom::element_type::STRING: {
        const std::string_view text = value.get_string().value_unsafe();
        const std::optional<std::int64_t> ms = parse_rfc3339_ms(text);
        if (!ms) return note_bad_ts(fmt::format("ts={} is not an RFC 3339 date-time", echo(text)));
        if (*ms < 0) return note_bad_ts(fmt::format("ts={} is before 1970", echo(text)));
        reading_.ts_ms = *ms;
        return std::nullopt;
      }
      default:
        return wrong_type(Field::ts, "an integer or an RFC 3339 string", value.type());
    }
  }

  std::optional<Rejection> note_bad_ts(std::string detail) {
    // ts appears once (a duplicate is bad_value), so there is no earlier one.
    findings_.bad_timestamp = reject(RejectReason::bad_timestamp, std::move(detail));
    return std::nullopt;
  }

  std::optional<Rejection> apply_device(dom::element value) {
    if (value.type() != dom::element_type::STRING) {
      return wrong_type(Field::device, "a string", value.type());
    }
    const std::string_view device = value.get_string().value_unsafe();
    if (!reading_.device.try_assign(device)) {
      return reject(RejectReason::bad_value,
                    fmt::format("device is {} bytes, max {}", device.size(), kMaxDeviceIdLength));
    }
    return std::nullopt;
  }

  std::optional<Rejection> apply_acvpu(dom::element value) {
    if (value.type() != dom::element_type::STRING) {
      return wrong_type(Field::acvpu, "one of \"A\",\"C\",\"V\",\"P\",\"U\"", value.type());
    }
    const std::string_view text = value.get_string().value_unsafe();
    const std::optional<Acvpu> acvpu = parse_acvpu(text);
    if (!acvpu) {
      return reject(RejectReason::bad_value,
                    fmt::format("acvpu={} is not one of A, C, V, P, U", echo(text)));
    }
    reading_.acvpu = *acvpu;
    return std::nullopt;
  }

  Reading& reading_;
  Findings& findings_;
  const NumberRewrites* const rewrites_;  // null unless the payload needed them
  const std::string_view payload_;
  std::uint16_t seen_ = 0;  // bit per Field, for duplicates
};

}  // namespace

struct ReadingParser::Impl {
  explicit Impl(ReadingParserLimits l) : limits(l) {
    // May fail (allocation is nothrow); parse() then tries again and, if it
    // still cannot get memory, rejects the payload rather than crash.
    reserve(std::min(kInitialCapacity, limits.max_payload_bytes));
  }

  // Grows the padded copy and simdjson's buffers to hold `size` bytes.
  bool reserve(std::size_t size) {
    if (buffer && size <= capacity) return true;
    std::size_t grown = std::max(size, capacity * 2);
    grown = std::min(grown, std::max(size, limits.max_payload_bytes));
    grown = std::max(grown, kMinCapacity);
    buffer.reset(new (std::nothrow) char[grown + simdjson::SIMDJSON_PADDING]);
    capacity = buffer ? grown : 0;
    if (!buffer) return false;
    // simdjson sizes its parser and document to the longest input seen, not to
    // allocate(): parse a blank document of the new capacity now, so the
    // payloads that follow find both big enough and do not allocate.
    std::memset(buffer.get(), ' ', grown + simdjson::SIMDJSON_PADDING);
    buffer[0] = '{';
    buffer[1] = '}';
    dom::element ignored;
    return json.parse(buffer.get(), grown, false).get(ignored) == simdjson::SUCCESS;
  }

  Expected<Reading, Rejection> parse(std::string_view patient, std::string_view payload,
                                     std::int64_t received_ms, std::int64_t received_mono_ns);

  const ReadingParserLimits limits;
  dom::parser json;
  // The payload copied into simdjson's required padding; also the scratch space
  // that number rewriting edits in place.
  std::unique_ptr<char[]> buffer;
  std::size_t capacity = 0;  // usable bytes in buffer, padding excluded
};

Expected<Reading, Rejection> ReadingParser::Impl::parse(std::string_view patient,
                                                        std::string_view payload,
                                                        std::int64_t received_ms,
                                                        std::int64_t received_mono_ns) {
  // Precedence (most to least important), one reason per payload:
  //   too_large > malformed_json > bad_value > bad_timestamp > no_vitals >
  //   implausible > future_timestamp.
  // Within a reason the first offending field in document order names the
  // detail. A bad_value ends the walk; the others are collected per reason.
  if (!is_valid_patient_id(patient)) {
    // TopicFilter guarantees this; checked again because it is cheap and this
    // is the trust boundary.
    return unexpected(reject(RejectReason::bad_topic, "patient id is not valid"));
  }
  if (payload.size() > limits.max_payload_bytes) {
    return unexpected(reject(
        RejectReason::too_large,
        fmt::format("payload is {} bytes, max {}", payload.size(), limits.max_payload_bytes)));
  }
  if (!reserve(payload.size())) {
    // Not the sender's fault, but the only honest reason we have: the payload
    // is larger than this process can hold right now.
    return unexpected(reject(RejectReason::too_large,
                             fmt::format("out of memory for a {}-byte payload", payload.size())));
  }
  char* const buf = buffer.get();
  if (!payload.empty()) std::memcpy(buf, payload.data(), payload.size());
  std::memset(buf + payload.size(), 0, simdjson::SIMDJSON_PADDING);

  dom::element root;
  simdjson::error_code error = json.parse(buf, payload.size(), false).get(root);
  std::optional<NumberRewrites> rewrites;
  if (error == simdjson::NUMBER_ERROR) {
    rewrites = ingest_detail::rewrite_unrepresentable_numbers(buf, payload.size());
    if (rewrites->total > 0) error = json.parse(buf, payload.size(), false).get(root);
  }
  if (error == simdjson::MEMALLOC || error == simdjson::CAPACITY) {
    return unexpected(reject(RejectReason::too_large,
                             fmt::format("out of memory for a {}-byte payload", payload.size())));
  }
  if (error != simdjson::SUCCESS) {
    return unexpected(reject(RejectReason::malformed_json, malformed_detail(error)));
  }
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return unexpected(
        reject(RejectReason::malformed_json,
               fmt::format("payload is a JSON {}, not an object", kind_of(root.type()))));
  }

  Reading reading;
  reading.patient = PatientId(patient);
  reading.received_ms = received_ms;
  reading.received_mono_ns = received_mono_ns;
  reading.ts_ms = received_ms;

  Findings findings;
  MemberChecker checker(reading, findings, rewrites ? &*rewrites : nullptr, payload);
  std::size_t member_index = 0;
  for (const dom::key_value_pair member : object) {
    const Field field = field_of(member.key);
    if (field != Field::unknown) {
      if (std::optional<Rejection> bad = checker.apply(field, member.value, member_index)) {
        return unexpected(std::move(*bad));
      }
    }
    ++member_index;
  }

  if (findings.bad_timestamp) return unexpected(std::move(*findings.bad_timestamp));
  if (reading.vitals.empty() && !reading.acvpu && !reading.o2) {
    return unexpected(reject(RejectReason::no_vitals,
                             "none of hr, spo2, rr, temp, sbp, dbp, acvpu, o2 is present"));
  }
  if (findings.implausible) return unexpected(std::move(*findings.implausible));

  std::int64_t latest_allowed = 0;
  if (__builtin_add_overflow(received_ms, limits.max_future_ms, &latest_allowed)) {
    latest_allowed = limits.max_future_ms > 0 ? std::numeric_limits<std::int64_t>::max()
                                              : std::numeric_limits<std::int64_t>::min();
  }
  if (checker.has_ts() && reading.ts_ms > latest_allowed) {
    std::int64_t ahead = 0;
    if (__builtin_sub_overflow(reading.ts_ms, received_ms, &ahead)) {
      ahead = std::numeric_limits<std::int64_t>::max();
    }
    return unexpected(
        reject(RejectReason::future_timestamp,
               fmt::format("ts is {} ms after receipt, max {}", ahead, limits.max_future_ms)));
  }
  return reading;
}

ReadingParser::ReadingParser(ReadingParserLimits limits) : impl_(std::make_unique<Impl>(limits)) {}

ReadingParser::~ReadingParser() = default;

Expected<Reading, Rejection> ReadingParser::parse(std::string_view patient,
                                                  std::string_view payload,
                                                  std::int64_t received_ms,
                                                  std::int64_t received_mono_ns) {
  return impl_->parse(patient, payload, received_ms, received_mono_ns);
}

}  // namespace vitalsd
