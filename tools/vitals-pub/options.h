// Command line of vitals-pub. Parsing is pure (no I/O) so every error path is
// unit-tested; main() prints the error and exits 2.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.h"
#include "ward.h"

namespace vitals_pub {

struct Options {
  // Broker and connection (like the daemon's [mqtt] section).
  std::string broker = "tcp://127.0.0.1:1883";  // tcp://, ssl:// (TLS), ws://, wss://
  std::string client_id;                // prefix; each client appends -<n>. Empty: vitals-pub-<pid>
  std::string username;                 // empty: none
  std::string password_file;            // empty: no password; first line is the password
  std::string ca_file;                  // TLS: CA bundle to verify the broker
  std::string cert_file;                // TLS: client certificate
  std::string key_file;                 // TLS: client key (needs cert_file)
  int qos = 1;                          // 0 or 1
  std::string topic_prefix = "vitals";  // readings go to <prefix>/<patient id>
  unsigned max_inflight = 1000;  // per client: messages published but not yet delivered/acked
  bool nagle = false;            // leave Nagle's algorithm on (Paho's default); see tcp_nodelay.h

  // The ward.
  std::size_t patients = 10;
  std::optional<std::uint64_t> seed;  // none: from std::random_device, printed
  std::vector<ScenarioRequest> scenarios;
  double time_scale = 1.0;
  double min_hold_s = 120.0;
  double artefact_rate = 0.05;
  double dropout_gap_s = 180.0;  // a sensor dropout's silence, real time

  // Pace and bounds.
  double rate = 10.0;                  // readings/s across the ward; 0 = flat out
  std::optional<std::uint64_t> count;  // reading slots, across the ward
  std::optional<double> duration_s;
  std::optional<unsigned> clients;  // none: 1 when paced, 2 flat out

  // Output.
  std::optional<std::string> rules;  // none: the default search (see --help)
  bool no_rules = false;
  std::string report;  // empty: no report
  bool quiet = false;  // no progress line
  // Write the report of the run these options describe, as if every reading
  // went out on time, without connecting or sending: the ward, the profiles
  // the monitor needs, and the expected alerts (times from the start, 0).
  bool plan = false;

  unsigned client_count() const { return clients.value_or(rate > 0 ? 1U : 2U); }
};

struct Command {
  enum class Action : std::uint8_t { run, help, version, list_scenarios };
  Action action = Action::run;
  Options options;
};

// args excludes argv[0]. The error is one line, without the program name.
vitalsd::Expected<Command, std::string> parse_command_line(std::span<const std::string_view> args);

std::string help_text();

// Durations as the daemon's config writes them: "250ms", "5s", "2m", "1h",
// sums like "1m30s". A bare number is an error (the unit must be explicit).
vitalsd::Expected<double, std::string> parse_duration_seconds(std::string_view text);

}  // namespace vitals_pub
