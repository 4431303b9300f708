#include "run.h"

#include <algorithm>
#include <cmath>
#include <thread>

namespace vitals_pub {

RunLimits run_limits(const Schedule& s, std::optional<std::uint64_t> count,
                     std::optional<double> duration_s, double script_end_s) {
  RunLimits limits;
  const auto slots_before = [&](double seconds) {
    return static_cast<std::uint64_t>(std::ceil(seconds * s.model_rate()));
  };
  if (count) limits.max_slots = *count;
  if (duration_s) {
    if (s.paced()) {
      limits.max_slots = std::min(limits.max_slots, slots_before(*duration_s));
    } else {
      limits.wall_ns = static_cast<std::int64_t>(*duration_s * 1e9);
    }
  }
  if (!count && !duration_s) limits.max_slots = slots_before(script_end_s);
  return limits;
}

std::int64_t SystemRunClock::mono_ns() const {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

std::int64_t SystemRunClock::wall_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool SystemRunClock::sleep_until(std::int64_t deadline_ns, const std::stop_source& stop) {
  // Short slices so a stop (Ctrl-C, a failing peer thread) is seen within
  // 50 ms even at very low rates; each slice ends at the absolute deadline.
  constexpr std::int64_t kSliceNs = 50'000'000;
  for (;;) {
    if (stop.stop_requested()) return false;
    const std::int64_t now = mono_ns();
    if (now >= deadline_ns) return true;
    const std::int64_t until = std::min(deadline_ns, now + kSliceNs);
    std::this_thread::sleep_until(std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::nanoseconds(until))));
  }
}

void SendTally::merge(const SendTally& o) {
  const auto min_set = [](std::int64_t a, std::int64_t b) {
    return a < 0 ? b : (b < 0 ? a : std::min(a, b));
  };
  messages += o.messages;
  first_mono_ns = min_set(first_mono_ns, o.first_mono_ns);
  first_wall_ms = min_set(first_wall_ms, o.first_wall_ms);
  last_mono_ns = std::max(last_mono_ns, o.last_mono_ns);
  last_wall_ms = std::max(last_wall_ms, o.last_wall_ms);
  max_lag_ns = std::max(max_lag_ns, o.max_lag_ns);
  for (std::size_t i = 0; i < artefacts.size(); ++i) artefacts[i] += o.artefacts[i];
  if (patients.size() < o.patients.size()) patients.resize(o.patients.size());
  for (std::size_t i = 0; i < o.patients.size(); ++i) {
    // Each patient is tallied by exactly one sender, so at most one is non-empty.
    if (o.patients[i].slots > 0 || !o.patients[i].phases.empty()) patients[i] = o.patients[i];
  }
  if (error.empty()) error = o.error;
}

Sender::Sender(const WardPlan& ward, const Schedule& schedule, const RunLimits& limits,
               std::string_view topic_prefix, std::size_t sender, std::size_t senders,
               Publisher& publisher, RunClock& clock)
    : ward_(ward), schedule_(schedule), limits_(limits), publisher_(publisher), clock_(clock) {
  tally_.patients.resize(ward.patients.size());
  for (const PatientPlan& p : ward.patients) {
    if (p.index % senders != sender) continue;
    mine_.push_back(
        {p.index, PatientSimulator(p, ward.options), std::string(topic_prefix) + "/" + p.id});
    tally_.patients[p.index].phases.resize(p.timeline.phases().size() + 1);
  }
  payload_.reserve(256);
}

void Sender::record(std::size_t patient, const PatientSimulator::Slot& slot, std::int64_t wall_ms,
                    std::int64_t mono_ns) {
  PatientTally& pt = tally_.patients[patient];
  ++pt.messages;
  ++tally_.messages;
  if (slot.kind == PatientSimulator::Slot::Kind::artefact) {
    ++pt.artefacts;
    ++tally_.artefacts[static_cast<std::size_t>(slot.artefact)];
  }
  if (slot.phase >= 0) {
    PhaseTally& ph = pt.phases[static_cast<std::size_t>(slot.phase)];
    if (ph.messages++ == 0) ph.first_ms = wall_ms;
    ph.last_ms = wall_ms;
  }
  if (tally_.first_mono_ns < 0) {
    tally_.first_mono_ns = mono_ns;
    tally_.first_wall_ms = wall_ms;
  }
  tally_.last_mono_ns = mono_ns;
  tally_.last_wall_ms = wall_ms;
  progress_.store(tally_.messages, std::memory_order_relaxed);
}

void Sender::run(std::int64_t start_mono_ns, std::stop_source& stop) {
  const std::uint64_t n_patients = ward_.patients.size();
  if (mine_.empty()) return;
  for (std::uint64_t round = 0;; ++round) {
    for (Mine& m : mine_) {
      const std::uint64_t n = round * n_patients + m.index;
      if (n >= limits_.max_slots || stop.stop_requested()) return;
      const double offset = schedule_.offset_s(n);
      if (schedule_.paced()) {
        const auto deadline = start_mono_ns + static_cast<std::int64_t>(std::llround(offset * 1e9));
        if (!clock_.sleep_until(deadline, stop)) return;
        tally_.max_lag_ns = std::max(tally_.max_lag_ns, clock_.mono_ns() - deadline);
      } else if (limits_.wall_ns && clock_.mono_ns() - start_mono_ns >= *limits_.wall_ns) {
        return;
      }
      const PatientSimulator::Slot slot = m.sim.next(round, offset);
      ++tally_.patients[m.index].slots;
      if (slot.kind == PatientSimulator::Slot::Kind::silent) continue;
      // The reading's ts is its send time, so latency can be measured downstream.
      const std::int64_t wall = clock_.wall_ms();
      m.sim.write(slot, wall, payload_);
      if (!publisher_.publish(m.topic, payload_)) {
        tally_.error = publisher_.error();
        stop.request_stop();
        return;
      }
      record(m.index, slot, wall, clock_.mono_ns());
    }
  }
}

}  // namespace vitals_pub
