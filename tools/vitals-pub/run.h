// The sending side: the schedule (which patient sends when), the pacing
// clock, and the per-thread Sender that turns the ward into messages.
//
// Pacing uses absolute deadlines (reading n is due at start + n / rate), so a
// late wake-up is caught up on and never accumulates as drift. Each Sender
// owns its patients' simulators and tallies; nothing is shared between
// sending threads except the stop source and the read-only ward plan.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "payload.h"
#include "publisher.h"
#include "ward.h"

namespace vitals_pub {

// Reading slot n (0-based, across the ward) belongs to patient n % patients
// (its slot n / patients) and is due n / model_rate() seconds after the start.
struct Schedule {
  std::size_t patients = 1;
  double rate = 0;  // readings/s across the ward; 0 = flat out

  bool paced() const { return rate > 0; }
  // Flat out has no timetable; the script then runs as if every patient sent
  // once a second, which keeps the payloads deterministic.
  double model_rate() const { return paced() ? rate : static_cast<double>(patients); }
  double offset_s(std::uint64_t n) const { return static_cast<double>(n) / model_rate(); }
};

struct RunLimits {
  std::uint64_t max_slots = std::numeric_limits<std::uint64_t>::max();  // slots n < max_slots
  std::optional<std::int64_t> wall_ns;  // flat out with --duration: stop after this long
};

// Paced runs turn --duration into a slot count (the slots due before it), so a
// paced run's content is fixed in advance; flat-out --duration is wall clock.
// Without count or duration the run lasts until the script is over.
RunLimits run_limits(const Schedule& s, std::optional<std::uint64_t> count,
                     std::optional<double> duration_s, double script_end_s);

// Time as the sender sees it; a fake in tests jumps instead of sleeping.
class RunClock {
 public:
  virtual ~RunClock() = default;
  virtual std::int64_t mono_ns() const = 0;
  virtual std::int64_t wall_ms() const = 0;
  // Returns false, early, if a stop was requested.
  virtual bool sleep_until(std::int64_t mono_deadline_ns, const std::stop_source& stop) = 0;
};

class SystemRunClock final : public RunClock {
 public:
  std::int64_t mono_ns() const override;
  std::int64_t wall_ms() const override;
  bool sleep_until(std::int64_t mono_deadline_ns, const std::stop_source& stop) override;
};

// For --plan: time that jumps to each deadline instead of sleeping, with the
// wall clock at 0 at the start, so a run is played through in no time and
// every message goes out exactly on schedule.
class PlanClock final : public RunClock {
 public:
  std::int64_t mono_ns() const override { return mono_ns_; }
  std::int64_t wall_ms() const override { return mono_ns_ / 1'000'000; }
  bool sleep_until(std::int64_t mono_deadline_ns, const std::stop_source& stop) override {
    if (stop.stop_requested()) return false;
    mono_ns_ = std::max(mono_ns_, mono_deadline_ns);
    return true;
  }

 private:
  std::int64_t mono_ns_ = 0;
};

struct PhaseTally {
  std::uint64_t messages = 0;
  std::int64_t first_ms = 0;  // send time of its first and last message
  std::int64_t last_ms = 0;
};

struct PatientTally {
  std::uint64_t slots = 0;     // slots gone through, silent ones included
  std::uint64_t messages = 0;  // published: readings + artefacts
  std::uint64_t artefacts = 0;
  std::vector<PhaseTally> phases;  // per timeline phase, then one for "after"
};

struct SendTally {
  std::uint64_t messages = 0;
  std::int64_t first_mono_ns = -1, last_mono_ns = -1;
  std::int64_t first_wall_ms = -1, last_wall_ms = -1;
  std::int64_t max_lag_ns = 0;  // how far behind its deadline a paced message went out
  std::array<std::uint64_t, kArtefactKindCount> artefacts{};
  std::vector<PatientTally> patients;  // indexed by patient index (only this sender's filled)
  std::string error;                   // set when publishing failed

  void merge(const SendTally& other);
};

class Sender {
 public:
  // Sends for the patients whose index % senders == sender.
  Sender(const WardPlan& ward, const Schedule& schedule, const RunLimits& limits,
         std::string_view topic_prefix, std::size_t sender, std::size_t senders,
         Publisher& publisher, RunClock& clock);

  // Runs until the limits are reached or `stop` is requested; on a publish
  // failure records the error and requests stop for everyone.
  void run(std::int64_t start_mono_ns, std::stop_source& stop);

  const SendTally& tally() const { return tally_; }
  // For the progress line; safe to read from another thread.
  std::uint64_t messages_so_far() const { return progress_.load(std::memory_order_relaxed); }

 private:
  struct Mine {
    std::size_t index;
    PatientSimulator sim;
    std::string topic;
  };
  void record(std::size_t patient, const PatientSimulator::Slot& slot, std::int64_t wall_ms,
              std::int64_t mono_ns);

  const WardPlan& ward_;
  const Schedule schedule_;
  const RunLimits limits_;
  Publisher& publisher_;
  RunClock& clock_;
  std::vector<Mine> mine_;
  std::string payload_;
  SendTally tally_;
  std::atomic<std::uint64_t> progress_{0};
};

}  // namespace vitals_pub
