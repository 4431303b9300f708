// Test support for vitals-pub: an independent SPEC §2 payload check, a
// recording Publisher and a RunClock that jumps instead of sleeping.
#pragma once

#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "publisher.h"
#include "run.h"

namespace vitals_pub::testing {

// What a SPEC §2 monitor makes of a payload: "ok" or the rejection reason.
// Deliberately independent of payload.cpp: a real JSON parser and the table in
// SPEC §2, field by field.
inline std::string spec2_verdict(std::string_view payload, std::int64_t now_ms) {
  if (payload.size() > 65536) return "too_large";
  simdjson::dom::parser parser;
  simdjson::padded_string padded(payload);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return "malformed_json";
  }
  struct Range {
    const char* name;
    double lo, hi;
  };
  constexpr Range kRanges[] = {{"hr", 0, 350},   {"spo2", 0, 100}, {"rr", 0, 120},
                               {"temp", 20, 45}, {"sbp", 0, 400},  {"dbp", 0, 300}};
  bool any_vital = false;
  std::string verdict = "ok";
  const auto worse = [&](const char* reason) {
    if (verdict == "ok") verdict = reason;
  };
  for (auto [key, value] : doc.get_object()) {
    if (key == "ts") {
      if (value.is_int64() || value.is_uint64()) {
        const std::int64_t ts =
            value.is_int64() ? std::int64_t(value.get_int64()) : std::int64_t(value.get_uint64());
        if (ts < 0) worse("bad_timestamp");
        if (ts > now_ms + 5 * 60 * 1000) worse("future_timestamp");
      } else {
        worse("bad_timestamp");  // fractional, or a string we never send
      }
      continue;
    }
    if (key == "device") {
      if (!value.is_string() || std::string_view(value.get_string()).size() > 64) {
        worse("bad_value");
      }
      continue;
    }
    if (key == "acvpu") {
      any_vital = true;
      const bool ok = value.is_string() && std::string_view(value.get_string()).size() == 1 &&
                      std::string_view("ACVPU").find(std::string_view(value.get_string())) !=
                          std::string_view::npos;
      if (!ok) worse("bad_value");
      continue;
    }
    if (key == "o2") {
      any_vital = true;
      if (!value.is_bool()) worse("bad_value");
      continue;
    }
    for (const Range& r : kRanges) {
      if (key != r.name) continue;
      any_vital = true;
      if (!value.is_number()) {
        worse("bad_value");
        break;
      }
      const double v = value.is_double()  ? double(value.get_double())
                       : value.is_int64() ? double(std::int64_t(value.get_int64()))
                                          : double(std::uint64_t(value.get_uint64()));
      if (!std::isfinite(v)) worse("bad_value");
      if (v < r.lo || v > r.hi) worse("implausible");
    }
  }
  if (verdict == "ok" && !any_vital) return "no_vitals";
  return verdict;
}

struct Published {
  std::string topic;
  std::string payload;
};

class RecordingPublisher final : public Publisher {
 public:
  bool publish(const std::string& topic, std::string_view payload) override {
    if (fail_after && sent.size() >= *fail_after) return false;
    sent.push_back({topic, std::string(payload)});
    return true;
  }
  bool flush(std::chrono::milliseconds) override { return true; }
  std::string error() const override { return "broker went away"; }

  std::vector<Published> sent;
  std::optional<std::size_t> fail_after;
};

// Sleeping jumps straight to the deadline and remembers it. Flat-out runs
// never sleep, so each reading of the clock can also move it by `tick_ns`.
class FakeRunClock final : public RunClock {
 public:
  explicit FakeRunClock(std::int64_t tick_ns = 0) : tick_ns_(tick_ns) {}
  std::int64_t mono_ns() const override { return mono_ns_ += tick_ns_; }
  std::int64_t wall_ms() const override { return kWallAtZero + mono_ns_ / 1'000'000; }
  void advance(std::int64_t ns) { mono_ns_ += ns; }
  bool sleep_until(std::int64_t deadline, const std::stop_source& stop) override {
    if (stop.stop_requested()) return false;
    deadlines.push_back(deadline);
    mono_ns_ = std::max(mono_ns_, deadline);
    return true;
  }
  static constexpr std::int64_t kWallAtZero = 1'763'719'200'000;
  std::vector<std::int64_t> deadlines;

 private:
  const std::int64_t tick_ns_;
  mutable std::int64_t mono_ns_ = 0;
};

}  // namespace vitals_pub::testing
