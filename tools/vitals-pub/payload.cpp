#include "payload.h"

#include <charconv>

#include "prng.h"

namespace vitals_pub {
namespace {

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

// Tenths as a decimal: 368 -> "36.8". Exact, unlike printing a double.
void append_tenths(std::string& out, int tenths) {
  if (tenths < 0) {
    out += '-';
    tenths = -tenths;
  }
  append_int(out, tenths / 10);
  out += '.';
  out += static_cast<char>('0' + tenths % 10);
}

// Writes the object's members; `ts_field` and `spo2_field` let artefacts
// replace those two verbatim.
void write_members(std::string& out, const DeviceReading& r, std::string_view device,
                   std::string_view ts_field, std::string_view spo2_field, int hr, int temp_decic) {
  out += "{\"ts\":";
  out += ts_field;
  out += ",\"device\":\"";
  out += device;
  out += "\",\"hr\":";
  append_int(out, hr);
  out += ",\"spo2\":";
  out += spo2_field;
  out += ",\"rr\":";
  append_int(out, r.rr);
  out += ",\"temp\":";
  append_tenths(out, temp_decic);
  out += ",\"sbp\":";
  append_int(out, r.sbp);
  out += ",\"dbp\":";
  append_int(out, r.dbp);
  out += ",\"acvpu\":\"";
  out += vitalsd::acvpu_name(r.acvpu);
  out += "\",\"o2\":";
  out += r.o2 ? "true" : "false";
}

std::string int_text(std::int64_t v) {
  std::string s;
  append_int(s, v);
  return s;
}

}  // namespace

void write_reading_json(std::string& out, const DeviceReading& r, std::string_view device,
                        std::int64_t ts_ms) {
  out.clear();
  char ts[24];
  const auto ts_end = std::to_chars(ts, ts + sizeof ts, ts_ms).ptr;
  char spo2[8];
  const auto spo2_end = std::to_chars(spo2, spo2 + sizeof spo2, r.spo2).ptr;
  write_members(out, r, device, std::string_view(ts, static_cast<std::size_t>(ts_end - ts)),
                std::string_view(spo2, static_cast<std::size_t>(spo2_end - spo2)), r.hr,
                r.temp_decic);
  out += '}';
}

std::string_view artefact_name(ArtefactKind k) {
  constexpr std::array<std::string_view, kArtefactKindCount> names = {
      "hr_spike",  "spo2_invalid",  "temp_implausible", "truncated_json", "string_value",
      "no_vitals", "fractional_ts", "future_ts",        "oversize"};
  return names[static_cast<std::size_t>(k)];
}

vitalsd::RejectReason expected_rejection(ArtefactKind k) {
  using vitalsd::RejectReason;
  switch (k) {
    case ArtefactKind::hr_spike:
    case ArtefactKind::spo2_invalid:
    case ArtefactKind::temp_implausible:
      return RejectReason::implausible;
    case ArtefactKind::truncated_json:
      return RejectReason::malformed_json;
    case ArtefactKind::string_value:
      return RejectReason::bad_value;
    case ArtefactKind::no_vitals:
      return RejectReason::no_vitals;
    case ArtefactKind::fractional_ts:
      return RejectReason::bad_timestamp;
    case ArtefactKind::future_ts:
      return RejectReason::future_timestamp;
    case ArtefactKind::oversize:
      return RejectReason::too_large;
  }
  return RejectReason::malformed_json;
}

std::optional<ArtefactKind> artefact_at(std::uint64_t seed, std::size_t patient, std::uint64_t k,
                                        double rate) {
  if (rate <= 0) return std::nullopt;
  // Distinct salt so this never correlates with the patient's noise streams.
  const std::uint64_t h = mix3(seed ^ 0xA27EFAC7A27EFAC7ULL, patient, k);
  if (to_unit(h) >= rate) return std::nullopt;
  const std::uint64_t pick = mix3(h, 0x5EED, k);
  return kAllArtefactKinds[pick % kArtefactKindCount];
}

void write_artefact_json(std::string& out, ArtefactKind kind, const DeviceReading& r,
                         std::string_view device, std::int64_t ts_ms, std::uint64_t variation) {
  out.clear();
  const std::string ts = int_text(ts_ms);
  const std::string spo2 = int_text(r.spo2);
  switch (kind) {
    case ArtefactKind::hr_spike:
      write_members(out, r, device, ts, spo2, 351 + static_cast<int>(variation % 200),
                    r.temp_decic);
      out += '}';
      return;
    case ArtefactKind::spo2_invalid:
      write_members(out, r, device, ts, "127", r.hr, r.temp_decic);
      out += '}';
      return;
    case ArtefactKind::temp_implausible:
      write_members(out, r, device, ts, spo2, r.hr, 150 + static_cast<int>(variation % 50));
      out += '}';
      return;
    case ArtefactKind::truncated_json: {
      write_reading_json(out, r, device, ts_ms);
      // Any proper prefix of a JSON object is invalid; keep at least "{".
      const std::size_t keep = 1 + variation % (out.size() - 1);
      out.resize(keep);
      return;
    }
    case ArtefactKind::string_value:
      write_members(out, r, device, ts, "\"--\"", r.hr, r.temp_decic);
      out += '}';
      return;
    case ArtefactKind::no_vitals:
      out = "{\"ts\":" + ts + ",\"device\":\"" + std::string(device) + "\"}";
      return;
    case ArtefactKind::fractional_ts:
      write_members(out, r, device, ts + ".5", spo2, r.hr, r.temp_decic);
      out += '}';
      return;
    case ArtefactKind::future_ts:
      write_members(out, r, device, int_text(ts_ms + 3'600'000), spo2, r.hr, r.temp_decic);
      out += '}';
      return;
    case ArtefactKind::oversize:
      write_members(out, r, device, ts, spo2, r.hr, r.temp_decic);
      // An unknown field, so the payload is valid JSON and only its size is wrong.
      out += ",\"debug\":\"";
      out.append(66'000, 'x');
      out += "\"}";
      return;
  }
}

}  // namespace vitals_pub
