#include "ward.h"

#include <algorithm>
#include <charconv>

namespace vitals_pub {
namespace {

// Stream purposes, so a patient's baseline and noise are independent.
constexpr std::uint64_t kBaselineStream = 1;
constexpr std::uint64_t kNoiseStream = 2;

std::optional<std::size_t> parse_number(std::string_view s) {
  std::size_t v = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// The patients a selector names, as 0-based indexes.
vitalsd::Expected<std::vector<std::size_t>, std::string> select(const WardPlan& ward,
                                                                std::string_view selector) {
  std::vector<std::size_t> out;
  const std::size_t n = ward.patients.size();
  while (!selector.empty()) {
    const auto comma = selector.find(',');
    const std::string_view token = selector.substr(0, comma);
    selector = comma == std::string_view::npos ? std::string_view{} : selector.substr(comma + 1);
    if (token == "all") {
      for (std::size_t i = 0; i < n; ++i) out.push_back(i);
      continue;
    }
    if (const auto dash = token.find('-'); dash != std::string_view::npos &&
                                           parse_number(token.substr(0, dash)) &&
                                           parse_number(token.substr(dash + 1))) {
      const std::size_t lo = *parse_number(token.substr(0, dash));
      const std::size_t hi = *parse_number(token.substr(dash + 1));
      if (lo < 1 || hi > n || lo > hi) {
        return vitalsd::unexpected("patient range '" + std::string(token) + "' is outside 1-" +
                                   std::to_string(n));
      }
      for (std::size_t i = lo; i <= hi; ++i) out.push_back(i - 1);
      continue;
    }
    if (const auto number = parse_number(token)) {
      if (*number < 1 || *number > n) {
        return vitalsd::unexpected("patient number " + std::string(token) + " is outside 1-" +
                                   std::to_string(n));
      }
      out.push_back(*number - 1);
      continue;
    }
    const auto it = std::find_if(ward.patients.begin(), ward.patients.end(),
                                 [&](const PatientPlan& p) { return p.id == token; });
    if (it == ward.patients.end()) {
      return vitalsd::unexpected("no patient '" + std::string(token) + "' in a ward of " +
                                 std::to_string(n) + " (ids " + ward.patients.front().id + " to " +
                                 ward.patients.back().id + ")");
    }
    out.push_back(it->index);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.empty()) return vitalsd::unexpected(std::string("empty patient selector"));
  return out;
}

}  // namespace

std::string patient_id(std::size_t index, std::size_t patients) {
  std::string number = std::to_string(index + 1);
  const std::size_t width = std::max<std::size_t>(4, std::to_string(patients).size());
  if (number.size() < width) number.insert(0, width - number.size(), '0');
  return "p-" + number;
}

double WardPlan::script_end_s() const {
  double end = 0;
  for (const auto& p : patients) end = std::max(end, p.timeline.end_s());
  return end;
}

vitalsd::Expected<WardPlan, std::string> plan_ward(const WardOptions& options) {
  WardPlan ward;
  ward.options = options;
  ward.patients.reserve(options.patients);
  for (std::size_t i = 0; i < options.patients; ++i) {
    PatientPlan p;
    p.index = i;
    p.id = patient_id(i, options.patients);
    p.device = "wb-" + p.id.substr(2);
    Prng prng(mix3(options.seed, i, kBaselineStream));
    p.baseline = draw_baseline(prng);
    p.timeline = Timeline(p.baseline);
    ward.patients.push_back(std::move(p));
  }
  for (const ScenarioRequest& req : options.scenarios) {
    const ScenarioSpec* spec = find_scenario(req.name);
    if (spec == nullptr) {
      std::string names;
      for (const auto& s : scenario_catalog())
        names += (names.empty() ? "" : ", ") + std::string(s.name);
      return vitalsd::unexpected("unknown scenario '" + req.name + "' (known: " + names + ")");
    }
    std::vector<std::size_t> chosen;
    if (req.selector.empty()) {
      // A course goes to the first patient without one (artefacts or not);
      // artefacts to the first patient with nothing yet.
      const bool overlay = spec->kind == ScenarioKind::overlay;
      const auto it = std::find_if(
          ward.patients.begin(), ward.patients.end(),
          [&](const PatientPlan& p) { return !p.course && !(overlay && p.artefacts); });
      if (it == ward.patients.end()) {
        return vitalsd::unexpected("scenario '" + req.name +
                                   "': every patient already has a scenario; name one with " +
                                   req.name + ":<patient>");
      }
      chosen.push_back(it->index);
    } else {
      auto selected = select(ward, req.selector);
      if (!selected) return vitalsd::unexpected("scenario '" + req.name + "': " + selected.error());
      chosen = std::move(*selected);
    }
    for (std::size_t i : chosen) {
      PatientPlan& p = ward.patients[i];
      if (spec->kind == ScenarioKind::overlay) {
        p.artefacts = true;
        continue;
      }
      if (p.course != nullptr) {
        return vitalsd::unexpected("patient " + p.id + " is given both '" +
                                   std::string(p.course->name) + "' and '" + req.name +
                                   "'; one course per patient (artefacts may be added to any)");
      }
      p.course = spec;
      p.timeline = Timeline(*spec, p.baseline, options.time_scale, options.min_hold_s,
                            options.dropout_gap_s / kDropoutGapSeconds);
    }
  }
  return ward;
}

PatientSimulator::PatientSimulator(const PatientPlan& plan, const WardOptions& options)
    : plan_(plan),
      seed_(options.seed),
      time_scale_(options.time_scale),
      artefact_rate_(plan.artefacts ? options.artefact_rate : 0.0),
      noise_(mix3(options.seed, plan.index, kNoiseStream)) {}

PatientSimulator::Slot PatientSimulator::next(std::uint64_t k, double offset_s) {
  Slot slot;
  const ScriptPoint point = plan_.timeline.at(offset_s);
  slot.phase = point.phase;
  if (point.silent) {
    slot.kind = Slot::Kind::silent;
    return slot;
  }
  const VitalArray& drift = drift_.at(offset_s * time_scale_, noise_);
  // Measured even when an artefact replaces it, so the noise stream (and every
  // later reading) does not depend on where the artefacts fall.
  slot.reading = measure(point.mean, drift, point.acvpu, point.o2, noise_);
  if (const auto artefact = artefact_at(seed_, plan_.index, k, artefact_rate_)) {
    slot.kind = Slot::Kind::artefact;
    slot.artefact = *artefact;
    slot.variation = mix3(seed_, plan_.index, k ^ 0xD1CEULL);
  }
  return slot;
}

void PatientSimulator::write(const Slot& slot, std::int64_t ts_ms, std::string& out) const {
  if (slot.kind == Slot::Kind::artefact) {
    write_artefact_json(out, slot.artefact, slot.reading, plan_.device, ts_ms, slot.variation);
  } else {
    write_reading_json(out, slot.reading, plan_.device, ts_ms);
  }
}

}  // namespace vitals_pub
