#include "report.h"

#include <cmath>

#include <fmt/format.h>

#include "common/version.h"
#include "json_writer.h"

namespace vitals_pub {
namespace {

void write_vitals(JsonWriter& w, const VitalArray& v) {
  w.begin_object();
  for (Vital x : vitalsd::kAllVitals) {
    // Scripted values, rounded for reading; the payloads carry device values.
    w.field(vitalsd::vital_name(x), std::round(v[index_of(x)] * 10) / 10);
  }
  w.end_object();
}

std::string_view clear_name(ClearExpectation c) {
  switch (c) {
    case ClearExpectation::yes:
      return "yes";
    case ClearExpectation::no:
      return "no";
    case ClearExpectation::maybe:
      return "maybe";
  }
  return "no";
}

template <class T>
void optional_field(JsonWriter& w, std::string_view k, const std::optional<T>& v) {
  w.key(k);
  if (v) {
    w.value(*v);
  } else {
    w.null();
  }
}

void write_options(JsonWriter& w, const Options& o, const Schedule& s) {
  w.key("options").begin_object();
  w.field("broker", o.broker);
  w.field("patients", static_cast<std::uint64_t>(o.patients));
  w.field("rate", o.rate);
  optional_field(w, "count", o.count);
  optional_field(w, "duration_s", o.duration_s);
  w.field("qos", o.qos);
  w.field("topic_prefix", o.topic_prefix);
  w.field("time_scale", o.time_scale);
  w.field("min_hold_s", o.min_hold_s);
  w.field("artefact_rate", o.artefact_rate);
  w.field("dropout_gap_s", o.dropout_gap_s);
  w.field("clients", o.client_count());
  w.field("max_inflight", o.max_inflight);
  w.field("patient_interval_s", static_cast<double>(s.patients) / s.model_rate());
  w.key("scenarios").begin_array();
  for (const auto& r : o.scenarios) {
    w.value(r.selector.empty() ? r.name : r.name + ":" + r.selector);
  }
  w.end_array();
  w.end_object();
}

void write_patients(JsonWriter& w, const RunSummary& s) {
  w.key("patients").begin_array();
  for (const PatientPlan& p : s.ward->patients) {
    const PatientTally& t = s.tally->patients[p.index];
    w.begin_object();
    w.field("id", p.id);
    w.field("device", p.device);
    w.field("topic", s.options->topic_prefix + "/" + p.id);
    w.key("scenario");
    if (p.course) {
      w.value(p.course->name);
    } else {
      w.null();
    }
    w.field("artefacts", p.artefacts);
    w.field("slots", t.slots);
    w.field("sent", t.messages);
    w.field("artefacts_sent", t.artefacts);
    w.field("readings_sent", t.messages - t.artefacts);
    w.key("baseline");
    write_vitals(w, p.baseline);
    w.end_object();
  }
  w.end_array();
}

void write_phases(JsonWriter& w, const RunSummary& s) {
  w.key("phases").begin_array();
  for (const PatientPlan& p : s.ward->patients) {
    if (!p.course) continue;
    const auto& phases = p.timeline.phases();
    const PatientTally& t = s.tally->patients[p.index];
    for (std::size_t i = 0; i <= phases.size(); ++i) {
      const bool after = i == phases.size();
      const PhaseTally& pt = t.phases[i];
      if (after && pt.messages == 0) continue;
      w.begin_object();
      w.field("patient", p.id);
      w.field("scenario", p.course->name);
      w.field("phase", after ? std::string("after") : phases[i].name);
      if (!after) {
        const auto& ph = phases[i];
        w.field("planned_start_ms", s.start_wall_ms + std::llround(ph.begin_s * 1000));
        w.field("planned_end_ms", s.start_wall_ms + std::llround(ph.end_s * 1000));
        w.field("silent", ph.silent);
        w.field("acvpu", vitalsd::acvpu_name(ph.acvpu));
        w.field("o2", ph.o2);
        w.key("from");
        write_vitals(w, ph.from);
        w.key("to");
        write_vitals(w, ph.to);
      }
      w.field("messages", pt.messages);
      w.key("first_send_ms");
      pt.messages ? w.value(pt.first_ms) : w.null();
      w.key("last_send_ms");
      pt.messages ? w.value(pt.last_ms) : w.null();
      w.end_object();
    }
  }
  w.end_array();
}

void write_artefacts(JsonWriter& w, const SendTally& t) {
  std::uint64_t total = 0;
  std::array<std::uint64_t, vitalsd::kRejectReasonCount> by_reason{};
  w.key("artefacts").begin_object();
  w.key("by_kind").begin_object();
  for (ArtefactKind k : kAllArtefactKinds) {
    const std::uint64_t n = t.artefacts[static_cast<std::size_t>(k)];
    total += n;
    by_reason[static_cast<std::size_t>(expected_rejection(k))] += n;
    w.field(artefact_name(k), n);
  }
  w.end_object();
  w.field("total", total);
  w.end_object();
  w.key("expected_rejections").begin_object();
  w.key("by_reason").begin_object();
  for (std::size_t r = 0; r < vitalsd::kRejectReasonCount; ++r) {
    if (by_reason[r] == 0) continue;
    w.field(vitalsd::reject_reason_name(static_cast<vitalsd::RejectReason>(r)), by_reason[r]);
  }
  w.end_object();
  w.field("total", total);
  w.end_object();
}

void write_profiles(JsonWriter& w, const RunSummary& s) {
  w.key("profiles").begin_array();
  for (const PatientPlan& p : s.ward->patients) {
    if (!p.course || p.course->profile.empty()) continue;
    w.begin_object();
    w.field("patient", p.id);
    w.field("reason", fmt::format("scenario {}", p.course->name));
    w.key("fields").begin_object();
    if (s.rules) {
      for (const auto& [k, v] : profile_fields(p.course->profile, *s.rules)) w.field(k, v);
    } else {
      w.field("news2_scale", std::to_string(p.course->profile.news2_scale));
    }
    w.end_object();
    w.end_object();
  }
  w.end_array();
}

void write_expected(JsonWriter& w, const RunSummary& s) {
  w.key("expected_alerts").begin_object();
  if (!s.expectations) {
    w.field("available", false);
    w.field("reason", s.unavailable_reason);
    w.end_object();
    return;
  }
  const Expectations& ex = *s.expectations;
  w.field("available", true);
  w.field("rules", s.rules_path.value_or(""));
  w.field("slack_ms", s.slack_ms);
  w.field("signal_lost_check_ms", s.signal_lost_check_ms);
  optional_field(w, "valid_until_ms", ex.valid_until_ms);
  w.key("notes").begin_array();
  for (const auto& n : ex.notes) w.value(n);
  w.end_array();
  w.key("quiet_patients").begin_array();
  for (const auto& p : ex.quiet_patients) w.value(p);
  w.end_array();
  w.key("alerts").begin_array();
  for (const ExpectedAlert& a : ex.alerts) {
    w.begin_object();
    w.field("patient", a.patient);
    w.field("rule", a.rule);
    w.field("metric", a.metric);
    w.key("scenario");
    a.scenario.empty() ? w.null() : w.value(a.scenario);
    w.field("phase", a.phase);
    w.field("certain", a.certain);
    w.key("severity");
    a.severity ? w.value(vitalsd::severity_name(*a.severity)) : w.null();
    w.field("max_severity", vitalsd::severity_name(a.max_severity));
    w.field("raise_earliest_ms", a.raise_earliest_ms);
    optional_field(w, "raise_latest_ms", a.raise_latest_ms);
    w.field("clear", clear_name(a.clear));
    optional_field(w, "clear_earliest_ms", a.clear_earliest_ms);
    optional_field(w, "clear_latest_ms", a.clear_latest_ms);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

}  // namespace

double achieved_rate(const SendTally& t) {
  if (t.messages < 2 || t.last_mono_ns <= t.first_mono_ns) return 0;
  return static_cast<double>(t.messages - 1) /
         (static_cast<double>(t.last_mono_ns - t.first_mono_ns) / 1e9);
}

std::string report_json(const RunSummary& s) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.field("tool", "vitals-pub");
  w.field("version", vitalsd::kVersion);
  w.field("seed", s.seed);
  w.field("plan", s.plan);
  write_options(w, *s.options, s.schedule);
  w.field("interrupted", s.interrupted);
  w.key("error");
  s.tally->error.empty() ? w.null() : w.value(s.tally->error);
  w.field("start_ms", s.start_wall_ms);
  w.field("sent_total", s.tally->messages);
  w.key("rate").begin_object();
  w.field("requested", s.schedule.rate);
  w.field("flat_out", !s.schedule.paced());
  w.field("achieved", achieved_rate(*s.tally));
  w.key("first_send_ms");
  s.tally->messages ? w.value(s.tally->first_wall_ms) : w.null();
  w.key("last_send_ms");
  s.tally->messages ? w.value(s.tally->last_wall_ms) : w.null();
  w.field("max_lag_ms", static_cast<double>(s.tally->max_lag_ns) / 1e6);
  w.end_object();
  write_patients(w, s);
  write_phases(w, s);
  write_artefacts(w, *s.tally);
  write_profiles(w, s);
  write_expected(w, s);
  w.end_object();
  return out;
}

}  // namespace vitals_pub
