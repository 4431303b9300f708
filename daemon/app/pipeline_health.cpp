#include "app/pipeline_health.h"

namespace vitalsd {

PipelineHealth::Verdict PipelineHealth::observe(std::span<const WorkerSample> samples,
                                                std::chrono::nanoseconds now) {
  const bool first = tracks_.size() != samples.size();
  if (first) {
    // Nothing to compare with yet: this sample is every worker's baseline.
    tracks_.assign(samples.size(), Track{});
    for (std::size_t i = 0; i < samples.size(); ++i) tracks_[i].processed = samples[i].processed;
  }

  Verdict verdict;
  for (std::size_t i = 0; i < samples.size() && !first; ++i) {
    Track& t = tracks_[i];
    const WorkerSample& s = samples[i];
    if (s.depth == 0 || s.processed != t.processed) {
      t.processed = s.processed;
      t.stalled_since.reset();
      continue;
    }
    // Readings wait and none finished since the last sample. The stall is
    // timed from this sample, not the last one: a reading that arrived just
    // now at an idle worker must not count as time the worker wasted.
    if (!t.stalled_since) t.stalled_since = now;
    const auto stalled_for = now - *t.stalled_since;
    if (stalled_for < stall_limit_) continue;
    if (!verdict.stuck || stalled_for > verdict.stuck->stalled_for) {
      verdict.stuck = StuckWorker{static_cast<unsigned>(i), s.depth, stalled_for};
    }
  }
  verdict.healthy = !verdict.stuck.has_value();
  verdict.changed = verdict.healthy != healthy_;
  healthy_ = verdict.healthy;
  return verdict;
}

}  // namespace vitalsd
