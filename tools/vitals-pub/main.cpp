// vitals-pub: wiring only. Parses options, plans the ward, connects one Paho
// client per sending thread, runs the senders, prints progress, and writes the
// report. Everything it wires is in vitals_pub_core and unit-tested there.
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>

#include <unistd.h>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "app/process_setup.h"
#include "common/version.h"
#include "expected_alerts.h"
#include "options.h"
#include "paho_publisher.h"
#include "report.h"
#include "rules_source.h"
#include "run.h"
#include "ward.h"

namespace vp = vitals_pub;

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInterrupted = 130;

void say(const std::string& line) { fmt::print(stderr, "vitals-pub: {}\n", line); }

vitalsd::Expected<std::optional<std::string>, std::string> read_password(const std::string& file) {
  if (file.empty()) return std::optional<std::string>();
  std::ifstream in(file);
  if (!in) return vitalsd::unexpected("cannot read --password-file " + file);
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return std::optional<std::string>(line);
}

// --rules, else ./rules, else the source tree's rules/ (useful from a build dir).
std::optional<std::filesystem::path> rules_path(const vp::Options& o) {
  if (o.no_rules) return std::nullopt;
  if (o.rules) return std::filesystem::path(*o.rules);
  std::error_code ec;
  if (std::filesystem::exists("rules", ec)) return std::filesystem::path("rules");
  const std::filesystem::path source(VITALS_PUB_SOURCE_RULES_DIR);
  if (std::filesystem::exists(source, ec)) return source;
  return std::nullopt;
}

// Counts finished senders so the progress loop can wait without polling.
class DoneCounter {
 public:
  void finished() {
    std::lock_guard lock(mu_);
    ++done_;
    cv_.notify_all();
  }
  // True once `total` have finished; waits at most `timeout`.
  bool wait_all(std::size_t total, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return done_ >= total; });
  }

 private:
  std::mutex mu_;  // guards done_
  std::condition_variable cv_;
  std::size_t done_ = 0;
};

// SIGINT/SIGTERM are blocked in every thread and taken here with sigtimedwait,
// so the stop is an ordinary stop request and no handler touches shared state.
void watch_signals(const std::stop_token& done, std::stop_source& stop, bool& interrupted) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  const timespec slice{0, 100'000'000};
  while (!done.stop_requested()) {
    if (sigtimedwait(&set, nullptr, &slice) > 0) {
      interrupted = true;
      stop.request_stop();
      return;
    }
  }
}

// What the report needs besides the tally: where the expected alerts come
// from, or why there are none.
struct Expectation {
  std::optional<vitalsd::RuleSet> rules;
  std::optional<std::filesystem::path> path;
  std::string unavailable = "no --report requested";
};

// Loads the rules for the expected alerts; an error only for a rules file
// that is refused (so a bad file fails fast, before connecting).
vitalsd::Expected<Expectation, std::string> load_expectation(const vp::Options& o,
                                                             const vp::Schedule& schedule) {
  Expectation e;
  if (o.report.empty() && !o.plan) return e;
  e.path = rules_path(o);
  if (!schedule.paced()) {
    e.unavailable = "flat out (--rate 0): send times do not follow the scripted timeline";
  } else if (!e.path) {
    e.unavailable = o.no_rules ? "--no-rules" : "no rules found: give --rules PATH";
  } else if (!vp::rules_loader_available()) {
    e.unavailable = vp::load_rule_set(*e.path).error();
  } else if (auto loaded = vp::load_rule_set(*e.path)) {
    e.rules = std::move(loaded).value();
  } else {
    return vitalsd::unexpected(
        fmt::format("rules {} refused:\n{}", e.path->string(), loaded.error()));
  }
  return e;
}

// Writes the report to --report FILE (a plan without one: to stdout).
bool write_report(const vp::Options& o, std::uint64_t seed, const vp::WardPlan& ward,
                  const vp::Schedule& schedule, const vp::SendTally& tally, std::int64_t start_wall,
                  bool interrupted, const Expectation& e) {
  vp::RunSummary s;
  s.options = &o;
  s.seed = seed;
  s.ward = &ward;
  s.schedule = schedule;
  s.tally = &tally;
  s.start_wall_ms = start_wall;
  s.interrupted = interrupted;
  s.plan = o.plan;
  s.unavailable_reason = e.unavailable;
  if (e.rules) {
    vp::ExpectationContext ctx;
    ctx.ward = &ward;
    ctx.model_rate = schedule.model_rate();
    for (const auto& p : tally.patients) ctx.slots.push_back(p.slots);
    ctx.start_wall_ms = start_wall;
    const double interval_ms = 1000.0 * static_cast<double>(o.patients) / schedule.model_rate();
    // One reading interval (a `for` may end just after a reading), twice the
    // worst pacing lag, and a little for clock reads between mono and wall.
    ctx.slack_ms =
        static_cast<std::int64_t>(interval_ms) + 2 * (tally.max_lag_ns / 1'000'000) + 250;
    s.slack_ms = ctx.slack_ms;
    s.signal_lost_check_ms = ctx.signal_lost_check_ms;
    s.rules = &*e.rules;
    s.rules_path = std::filesystem::absolute(*e.path).string();
    s.expectations = vp::expect_alerts(*e.rules, ctx);
    for (const auto& note : s.expectations->notes) say("note: " + note);
  }
  if (o.report.empty()) {
    fmt::print("{}", vp::report_json(s));
    return std::fflush(stdout) == 0;
  }
  std::ofstream out(o.report, std::ios::trunc);
  out << vp::report_json(s);
  if (!out.flush()) {
    say("cannot write --report " + o.report);
    return false;
  }
  return true;
}

// --plan: plays the run through a clock that jumps and a publisher that
// discards, so the tally (and everything computed from it) is the run's as
// if every reading went out exactly on time.
int plan(const vp::Options& o, std::uint64_t seed, const vp::WardPlan& ward,
         const vp::Schedule& schedule, const vp::RunLimits& limits, const Expectation& e) {
  vp::PlanClock clock;
  vp::DiscardingPublisher discard;
  vp::Sender sender(ward, schedule, limits, o.topic_prefix, 0, 1, discard, clock);
  std::stop_source stop;
  sender.run(0, stop);
  return write_report(o, seed, ward, schedule, sender.tally(), 0, false, e) ? 0 : kExitFailure;
}

int run(const vp::Options& o) {
  std::random_device entropy;
  const std::uint64_t seed =
      o.seed ? *o.seed : (static_cast<std::uint64_t>(entropy()) << 32) | entropy();
  say(fmt::format("seed {} (pass --seed {} to repeat this run)", seed, seed));

  vp::WardOptions wo;
  wo.seed = seed;
  wo.patients = o.patients;
  wo.time_scale = o.time_scale;
  wo.min_hold_s = o.min_hold_s;
  wo.artefact_rate = o.artefact_rate;
  wo.dropout_gap_s = o.dropout_gap_s;
  wo.scenarios = o.scenarios;
  auto planned = vp::plan_ward(wo);
  if (!planned) {
    say(planned.error());
    return kExitUsage;
  }
  const vp::WardPlan& ward = *planned;
  const vp::Schedule schedule{o.patients, o.rate};
  const vp::RunLimits limits = vp::run_limits(schedule, o.count, o.duration_s, ward.script_end_s());
  if (limits.max_slots == 0) {
    say("nothing to send: the run's bounds allow no reading");
    return kExitUsage;
  }
  for (const auto& p : ward.patients) {
    if (p.course && o.duration_s && schedule.paced() && p.timeline.end_s() > *o.duration_s) {
      say(fmt::format("note: {} on {} lasts {:.0f}s; --duration cuts it short", p.course->name,
                      p.id, p.timeline.end_s()));
    }
  }

  // Rules are loaded before connecting so a bad rules file fails fast.
  auto expectation = load_expectation(o, schedule);
  if (!expectation) {
    say(expectation.error());
    return kExitUsage;
  }
  if (o.plan) return plan(o, seed, ward, schedule, limits, *expectation);

  auto password = read_password(o.password_file);
  if (!password) {
    say(password.error());
    return kExitUsage;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before Paho starts its threads

  const std::size_t senders = std::min<std::size_t>(o.client_count(), o.patients);
  const std::string client_prefix =
      o.client_id.empty() ? fmt::format("vitals-pub-{}", ::getpid()) : o.client_id;
  std::vector<std::unique_ptr<vp::PahoPublisher>> publishers;
  for (std::size_t i = 0; i < senders; ++i) {
    vp::MqttSettings ms;
    ms.uri = o.broker;
    ms.client_id = fmt::format("{}-{}", client_prefix, i + 1);
    ms.qos = o.qos;
    ms.username = o.username;
    ms.password = *password;
    ms.ca_file = o.ca_file;
    ms.cert_file = o.cert_file;
    ms.key_file = o.key_file;
    ms.max_inflight = o.max_inflight;
    ms.nagle = o.nagle;
    auto p = vp::PahoPublisher::connect(ms);
    if (!p) {
      say(p.error());
      return kExitFailure;
    }
    publishers.push_back(std::move(p).value());
  }

  vp::SystemRunClock clock;
  std::vector<std::unique_ptr<vp::Sender>> workers;
  for (std::size_t i = 0; i < senders; ++i) {
    workers.push_back(std::make_unique<vp::Sender>(ward, schedule, limits, o.topic_prefix, i,
                                                   senders, *publishers[i], clock));
  }

  std::stop_source stop;
  bool interrupted = false;
  // A short lead so every sender starts on the same deadline grid.
  const std::int64_t start_mono = clock.mono_ns() + 20'000'000;
  const std::int64_t start_wall = clock.wall_ms() + 20;
  DoneCounter done;
  {
    std::jthread signal_watcher(
        [&](const std::stop_token& st) { watch_signals(st, stop, interrupted); });
    std::vector<std::jthread> threads;
    threads.reserve(workers.size());
    for (auto& w : workers) {
      threads.emplace_back([&, worker = w.get()] {
        worker->run(start_mono, stop);
        done.finished();
      });
    }
    // On a terminal the progress line is rewritten in place; in a log, one
    // line per second.
    const bool tty = ::isatty(STDERR_FILENO) == 1;
    std::uint64_t last_sent = 0;
    bool progressed = false;
    while (!done.wait_all(workers.size(), std::chrono::seconds(1))) {
      if (o.quiet) continue;
      std::uint64_t sent = 0;
      for (const auto& w : workers) sent += w->messages_so_far();
      const double elapsed = static_cast<double>(clock.mono_ns() - start_mono) / 1e9;
      fmt::print(stderr, "{}vitals-pub: {:>10} sent  {:>9.1f}/s now  {:>9.1f}/s average{}",
                 tty ? "\r" : "", sent, static_cast<double>(sent - last_sent),
                 elapsed > 0 ? static_cast<double>(sent) / elapsed : 0.0, tty ? "" : "\n");
      last_sent = sent;
      progressed = true;
    }
    if (tty && progressed) fmt::print(stderr, "\n");
    threads.clear();  // joins
    signal_watcher.request_stop();
  }

  vp::SendTally tally;
  tally.patients.resize(ward.patients.size());
  for (std::size_t i = 0; i < senders; ++i) {
    tally.merge(workers[i]->tally());
    if (!publishers[i]->flush(std::chrono::seconds(30)) && tally.error.empty()) {
      tally.error = publishers[i]->error();
    }
    publishers[i]->disconnect(std::chrono::seconds(5));
  }

  const double rate = vp::achieved_rate(tally);
  say(fmt::format("sent {} messages; achieved {:.1f}/s{}; max lag {:.1f} ms", tally.messages, rate,
                  schedule.paced() ? fmt::format(" (asked {}/s)", o.rate) : " (flat out)",
                  static_cast<double>(tally.max_lag_ns) / 1e6));
  if (!tally.error.empty()) say("error: " + tally.error);

  if (!o.report.empty() &&
      !write_report(o, seed, ward, schedule, tally, start_wall, interrupted, *expectation)) {
    return kExitFailure;
  }
  if (!tally.error.empty()) return kExitFailure;
  return interrupted ? kExitInterrupted : 0;
}

}  // namespace

int main(int argc, char** argv) {
  vitalsd::keep_openssl_until_exit();  // before Paho's threads exist
  std::vector<std::string_view> args(argv + 1, argv + argc);
  auto cmd = vp::parse_command_line(args);
  if (!cmd) {
    say(cmd.error());
    return kExitUsage;
  }
  switch (cmd->action) {
    case vp::Command::Action::help:
      fmt::print("{}", vp::help_text());
      return 0;
    case vp::Command::Action::version:
      fmt::print("vitals-pub {}\n", vitalsd::kVersion);
      return 0;
    case vp::Command::Action::list_scenarios:
      fmt::print("{}", vp::scenario_listing());
      return 0;
    case vp::Command::Action::run:
      break;
  }
  try {
    return run(cmd->options);
  } catch (const std::exception& e) {
    // Library errors are handled where they occur; this is the last resort
    // (e.g. out of memory) so the failure is reported, not an abort.
    say(std::string("internal error: ") + e.what());
    return kExitFailure;
  }
}
