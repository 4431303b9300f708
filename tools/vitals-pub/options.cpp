#include "options.h"

#include "config/duration.h"

#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "scenario.h"

namespace vitals_pub {
namespace {

using vitalsd::Expected;
using vitalsd::unexpected;

constexpr std::size_t kMaxPatients = 100'000;
constexpr unsigned kMaxClients = 64;

template <class T>
std::optional<T> parse_int(std::string_view s) {
  T v{};
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_real(std::string_view s) {
  double v = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

using Handler = std::function<std::optional<std::string>(Options&, std::string_view)>;

// A handler returns an error message (without the option name) or nothing.
std::map<std::string_view, Handler> value_options() {
  std::map<std::string_view, Handler> h;
  const auto text = [](std::string Options::*field) -> Handler {
    return [field](Options& o, std::string_view v) -> std::optional<std::string> {
      if (v.empty()) return "must not be empty";
      o.*field = std::string(v);
      return std::nullopt;
    };
  };
  h["--broker"] = text(&Options::broker);
  h["--client-id"] = text(&Options::client_id);
  h["--username"] = text(&Options::username);
  h["--password-file"] = text(&Options::password_file);
  h["--ca-file"] = text(&Options::ca_file);
  h["--cert-file"] = text(&Options::cert_file);
  h["--key-file"] = text(&Options::key_file);
  h["--report"] = text(&Options::report);
  h["--topic-prefix"] = [](Options& o, std::string_view v) -> std::optional<std::string> {
    if (v.empty() || v.find_first_of("+#") != std::string_view::npos || v.back() == '/' ||
        v.front() == '/') {
      return "must be a topic without wildcards or a leading/trailing '/'";
    }
    o.topic_prefix = std::string(v);
    return std::nullopt;
  };
  h["--rules"] = [](Options& o, std::string_view v) -> std::optional<std::string> {
    if (v.empty()) return "must not be empty";
    o.rules = std::string(v);
    return std::nullopt;
  };
  h["--patients"] = [](Options& o, std::string_view v) -> std::optional<std::string> {
    const auto n = parse_int<std::size_t>(v);
    if (!n || *n < 1 || *n > kMaxPatients) return fmt::format("must be 1-{}", kMaxPatients);
    o.patients = *n;
    return std::nullopt;
  };
  h["--rate"] = [](Options& o, std::string_view v) -> std::optional<std::string> {
    const auto r = parse_real(v);
    if (!r || *r < 0 || *r > 1e7) return "must be readings per second, 0 (flat out) to 1e7";
    o.rate = *r;
    return std::nullopt;
  };
  h["--count"] = [](Options& o, std::string_view v) -> std::optional<std::string> {
    const auto n = parse_int<std::uint64_t>(v);
    if (!n || *n < 1) return "must be a positive integer";
    o.count = *n;
    return std::nullopt;
  };
  h["--duration"] = [](Options& o, std::string_view v) -> std::optional<std::string> {
    auto d = parse_duration_seconds(v);
    if (!d) return d.error();
    if (*d <= 0) return "must be longer than 0s";
    o.duration_s = *d;
    return std::nullopt;
  };
  h["--qos"] = [](Options& o, std::string_view v) -> std::optional<std::string> {
    if (v != "0" && v != "1") return "must be 0 or 1";
    o.qos = v == "1" ? 1 : 0;
    return std::nullopt;
  };
  h["--seed"] = [](Options& o, std::string_view v) -> std::optional<std::string> {
    const auto n = parse_int<std::uint64_t>(v);
    if (!n) return "must be an unsigned 64-bit integer";
    o.seed = *n;
    return std::nullopt;
  };
  h["--scenario"] = [](Options& o, std::string_view v) -> std::optional<std::string> {
    const auto colon = v.find(':');
    ScenarioRequest req{std::string(v.substr(0, colon)),
                        colon == std::string_view::npos ? "" : std::string(v.substr(colon + 1))};
    if (find_scenario(req.name) == nullptr) {
      std::string names;
      for (const auto& s : scenario_catalog()) {
        names += (names.empty() ? "" : ", ") + std::string(s.name);
      }
      return fmt::format("unknown scenario '{}' (known: {})", req.name, names);
    }
    if (colon != std::string_view::npos && req.selector.empty()) {
      return "empty patient selector after ':'";
    }
    o.scenarios.push_back(std::move(req));
    return std::nullopt;
  };
  h["--time-scale"] = [](Options& o, std::string_view v) -> std::optional<std::string> {
    const auto x = parse_real(v);
    if (!x || *x <= 0 || *x > 10000) return "must be a number in (0, 10000]";
    o.time_scale = *x;
    return std::nullopt;
  };
  h["--min-hold"] = [](Options& o, std::string_view v) -> std::optional<std::string> {
    auto d = parse_duration_seconds(v);
    if (!d) return d.error();
    o.min_hold_s = *d;
    return std::nullopt;
  };
  h["--dropout-gap"] = [](Options& o, std::string_view v) -> std::optional<std::string> {
    auto d = parse_duration_seconds(v);
    if (!d) return d.error();
    if (*d <= 0) return "must be longer than 0s";
    o.dropout_gap_s = *d;
    return std::nullopt;
  };
  h["--artefact-rate"] = [](Options& o, std::string_view v) -> std::optional<std::string> {
    const auto x = parse_real(v);
    if (!x || *x < 0 || *x > 1) return "must be a fraction from 0 to 1";
    o.artefact_rate = *x;
    return std::nullopt;
  };
  h["--clients"] = [](Options& o, std::string_view v) -> std::optional<std::string> {
    const auto n = parse_int<unsigned>(v);
    if (!n || *n < 1 || *n > kMaxClients) return fmt::format("must be 1-{}", kMaxClients);
    o.clients = *n;
    return std::nullopt;
  };
  h["--max-inflight"] = [](Options& o, std::string_view v) -> std::optional<std::string> {
    const auto n = parse_int<unsigned>(v);
    if (!n || *n < 1 || *n > 65535) return "must be 1-65535";
    o.max_inflight = *n;
    return std::nullopt;
  };
  return h;
}

std::optional<std::string> check_consistency(const Options& o) {
  if (!o.key_file.empty() && o.cert_file.empty()) return "--key-file needs --cert-file";
  if (o.no_rules && o.rules) return "--rules and --no-rules contradict each other";
  if (o.plan && o.rate == 0 && !o.count) {
    return "--plan cannot foresee a flat-out run bounded by time: give --count or a --rate";
  }
  bool has_course = false;
  for (const auto& s : o.scenarios) {
    has_course = has_course || find_scenario(s.name)->kind == ScenarioKind::course;
  }
  if (!o.count && !o.duration_s && !has_course) {
    return "refusing an unbounded run: give --count, --duration, or a --scenario with its own "
           "length (any but artefacts)";
  }
  return std::nullopt;
}

}  // namespace

Expected<double, std::string> parse_duration_seconds(std::string_view text) {
  // The daemon's own parser, so the tool accepts exactly what a config file does.
  auto d = vitalsd::parse_duration(text);
  if (!d) return unexpected(d.error());
  return static_cast<double>(d->count()) / 1000.0;
}

Expected<Command, std::string> parse_command_line(std::span<const std::string_view> args) {
  static const auto handlers = value_options();
  Command cmd;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      cmd.action = Command::Action::help;
      return cmd;
    }
    if (arg == "--version") {
      cmd.action = Command::Action::version;
      return cmd;
    }
    if (arg == "--list-scenarios") {
      cmd.action = Command::Action::list_scenarios;
      return cmd;
    }
    if (arg == "--quiet" || arg == "-q") {
      cmd.options.quiet = true;
      continue;
    }
    if (arg == "--nagle") {
      cmd.options.nagle = true;
      continue;
    }
    if (arg == "--no-rules") {
      cmd.options.no_rules = true;
      continue;
    }
    if (arg == "--plan") {
      cmd.options.plan = true;
      continue;
    }
    std::optional<std::string_view> value;
    if (const auto eq = arg.find('='); eq != std::string_view::npos && arg.starts_with("--")) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    const auto it = handlers.find(arg);
    if (it == handlers.end()) {
      return unexpected(fmt::format("unknown option '{}' (see --help)", args[i]));
    }
    if (!value) {
      if (i + 1 >= args.size()) return unexpected(fmt::format("{} needs a value", arg));
      value = args[++i];
    }
    if (auto error = it->second(cmd.options, *value)) {
      return unexpected(fmt::format("{} {}: {}", arg, *value, *error));
    }
  }
  if (auto error = check_consistency(cmd.options)) return unexpected(std::move(*error));
  return cmd;
}

std::string help_text() {
  std::string scenarios;
  for (const auto& s : scenario_catalog()) {
    scenarios += fmt::format("  {:<12} {}\n", s.name, s.summary);
  }
  return fmt::format(
      R"(Usage: vitals-pub [OPTIONS]

Simulates a ward of patients' wearables publishing vital signs (SPEC §2) on
<topic-prefix>/<patient id>, at a set rate or flat out, and optionally writes a
JSON report of what was sent and which alerts a correct monitor should raise.
Every run is bounded: give --count, --duration, or a scenario with a length.

Broker:
  --broker URI          tcp://host:port, ssl://host:port (TLS), ws://, wss://
                        [tcp://127.0.0.1:1883]
  --client-id ID        client id prefix; client n uses ID-n [vitals-pub-<pid>]
  --username NAME       MQTT username
  --password-file FILE  MQTT password: the file's first line (never on the command line)
  --ca-file FILE        TLS: CA bundle that verifies the broker
  --cert-file FILE      TLS: client certificate
  --key-file FILE       TLS: client private key (with --cert-file)
  --qos 0|1             publish QoS [1]
  --topic-prefix P      readings go to P/<patient id> [vitals]
  --max-inflight N      per client: published but not yet delivered (QoS 0) or
                        acknowledged (QoS 1) messages; bounds memory [1000]
  --nagle               leave Nagle's algorithm on, as Paho does. Off by
                        default: one connection carries a whole ward, and at
                        QoS 0 Nagle holds readings up to 40 ms for the broker's
                        delayed ACK, a stall no single device would see

Ward:
  --patients N          patients p-0001..p-N, each with device wb-NNNN [10]
  --seed S              random seed (unsigned 64-bit); the same seed and options
                        give the same payloads. Default: random, printed
  --scenario NAME[:SEL] give a scenario to patients (repeatable). SEL is a comma
                        list of all, patient numbers (3), ranges (2-5) or ids
                        (p-0003); without SEL, the lowest-numbered patient
                        without a course (artefacts: without any scenario).
                        One course per patient; artefacts can be added to anyone
  --time-scale X        clinical seconds per real second for the scripted
                        courses (e.g. 60: an hour of illness in a minute) [1]
  --min-hold D          every scripted plateau lasts at least D of real time,
                        whatever the time scale, so the monitor's `for`
                        durations (judged on real send times) can elapse [2m]
  --artefact-rate F     share of an artefacts patient's readings that are
                        artefacts, 0-1 [0.05]
  --dropout-gap D       how long a dropout patient's sensor stays silent (real
                        time; keep it past the monitor's signal_lost `after`);
                        the connected periods before and after last D/3 each [3m]

Pace and bounds:
  --rate R              readings per second across the ward; each patient sends
                        every patients/R seconds. 0 = flat out [10]
  --count C             stop after C reading slots (a silent dropout slot counts)
  --duration D          stop after D (paced: the slots scheduled within D;
                        flat out: wall clock). D like 500ms, 5s, 2m, 1h, 1m30s.
                        Without --count or --duration, the run lasts until the
                        longest scenario is over
  --clients K           MQTT clients, one sending thread each; a patient always
                        uses the same one [1 when paced, 2 flat out]

Output:
  --report FILE         write a JSON summary: options, seed, counts per patient
                        and per scenario phase, achieved rate, artefacts, expected
                        rejections and expected alerts
  --plan                write the report for these options without connecting or
                        sending, as if every reading went out on time: the ward,
                        the profiles the monitor needs (load them first), and
                        the expected alerts, with times in ms from the start
                        (start_ms 0). To --report FILE, else to stdout
  --rules PATH          rules file or directory used for the expected alerts
                        [./rules if present, else the source tree's rules/]
  --no-rules            leave expected alerts out of the report
  --quiet, -q           no progress line on stderr
  --list-scenarios      print the scenarios and their phases, then exit
  --help, -h            this text
  --version             print the version

Scenarios:
{}
Exit status: 0 done, 1 broker or publish failure, 2 bad options, 130 interrupted.
See tools/vitals-pub/README.md for each scenario's trajectory and the time model.
)",
      scenarios);
}

}  // namespace vitals_pub
