#include "analysis/news2_evaluator.h"

namespace vitalsd {

std::optional<News2Evaluation> evaluate_news2(const LatestVitals& latest,
                                              const PatientProfile* profile,
                                              std::chrono::milliseconds window) {
  const std::int64_t oldest_allowed = latest.newest_ts_ms - window.count();
  for (Vital v : {Vital::rr, Vital::spo2, Vital::sbp, Vital::hr, Vital::temp}) {
    const LatestVitals::Value& value = latest[v];
    if (!value.present || value.ts_ms < oldest_allowed) return std::nullopt;
  }
  News2Evaluation out;
  News2Inputs in;
  in.rr = latest[Vital::rr].value;
  in.spo2 = latest[Vital::spo2].value;
  in.sbp = latest[Vital::sbp].value;
  in.hr = latest[Vital::hr].value;
  in.temp = latest[Vital::temp].value;
  if (latest.o2.value) {
    in.on_oxygen = *latest.o2.value;
  } else if (profile != nullptr && profile->o2) {
    in.on_oxygen = *profile->o2;
  } else {
    out.assumed_o2 = true;
  }
  if (latest.acvpu.value) {
    in.acvpu = *latest.acvpu.value;
  } else if (profile != nullptr && profile->acvpu) {
    in.acvpu = *profile->acvpu;
  } else {
    out.assumed_acvpu = true;
  }
  if (profile != nullptr && profile->news2_scale) in.scale = *profile->news2_scale;
  out.score = score_news2(in);
  return out;
}

std::optional<AlertState> step_news2(Episode& episode, News2Risk risk, AlertIdGenerator& ids) {
  const std::optional<Severity> severity = news2_severity(risk);
  if (!episode.active) {
    if (!severity) return std::nullopt;
    episode = Episode::open(*severity, ids);
    return AlertState::raised;
  }
  if (!severity) {
    episode.active = false;
    return AlertState::cleared;
  }
  if (*severity > episode.severity) {
    episode.severity = *severity;
    episode.acknowledged = false;
    return AlertState::escalated;
  }
  return std::nullopt;
}

std::optional<double> news2_threshold(News2Risk risk) {
  switch (risk) {
    case News2Risk::medium:
      return 5;
    case News2Risk::high:
      return 7;
    case News2Risk::low:
    case News2Risk::low_medium:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace vitalsd
