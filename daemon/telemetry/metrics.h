// Metrics: every vitalsd_* metric of SPEC §8, declared in one place, plus the
// standard process_* metrics (process_metrics.h).
//
// Hot-path statistics live in per-thread blocks (stat_counters.h) and are
// summed only when Prometheus scrapes; low-rate metrics (alerts, connection
// state, reloads) use prometheus-cpp's thread-safe families directly.
// Built once in main and passed by reference; no patient id is ever a label.
//
// Every label value a dashboard or alert rule needs exists from start-up, at
// zero, rather than appearing with the first event: rate() and increase()
// cannot see the first increment of a series that is born at 1, and a query
// over a family with no series returns nothing rather than 0. So rejection
// reasons, severities, workers, reload results and Redis operations are
// created up front, and alert series for each rule in force (see
// set_rules_probe).
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "analysis/alert_event.h"
#include "analysis/rule_set.h"
#include "telemetry/stat_counters.h"

namespace vitalsd {

class ProcessCollector;

// The `op` label values of vitalsd_redis_errors_total: what vitalsd was doing
// when a Redis command failed, timed out or was refused by the open circuit.
inline constexpr std::array<std::string_view, 7> kRedisOps = {
    "connect",       // connecting, AUTH, SELECT (including the subscriber connection)
    "profile_get",   // reading a patient profile (cache miss or expiry)
    "subscribe",     // (re)subscribing to <prefix>patient-updated
    "stream_add",    // XADD of an alert to <prefix>alerts
    "active_write",  // keeping <prefix>active:<patient> in step with an alert
    "latest_write",  // writing <prefix>latest:<patient>
    "restore",       // reading active alerts back at start-up
};

// One vitalsd_alerts_total series a rule can produce.
struct AlertSeries {
  std::string rule;
  Severity severity;
  AlertState state;
  bool operator==(const AlertSeries&) const = default;
};

// Every (rule, severity, state) the rules can produce: each severity a rule
// has can be raised, cleared and acknowledged; escalation only ever reaches a
// severity above the rule's mildest.
std::vector<AlertSeries> possible_alert_series(const RuleSet& rules);

class Metrics {
 public:
  explicit Metrics(unsigned workers);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Per-thread blocks. Each has exactly one writer; see stat_counters.h.
  IngestStats& ingest() { return *ingest_; }
  WorkerStats& worker(unsigned i) { return *workers_.at(i); }
  NotifyStats& notify() { return *notify_; }
  unsigned worker_count() const { return static_cast<unsigned>(workers_.size()); }

  // How to read worker i's queue depth at scrape time. Set once at wiring.
  void set_queue_depth_probe(std::function<std::size_t(unsigned)> probe);

  // How to read the rule set in force at scrape time. Set once at wiring.
  // Each scrape that sees a new rule set (start-up, a reload) creates its
  // possible alert series at zero; series of removed rules stay.
  void set_rules_probe(std::function<std::shared_ptr<const RuleSet>()> probe);

  // vitalsd_alerts_total{rule,severity,state}. Thread-safe (family lookup is locked).
  void count_alert(std::string_view rule, Severity severity, AlertState state);

  prometheus::Gauge& mqtt_connected() { return *mqtt_connected_; }
  prometheus::Counter& mqtt_reconnects() { return *mqtt_reconnects_; }
  // 1 when [redis] enabled: lets an alert on redis_up == 0 tell "down" from "not used".
  prometheus::Gauge& redis_enabled() { return *redis_enabled_; }
  prometheus::Gauge& redis_up() { return *redis_up_; }
  prometheus::Gauge& redis_circuit_open() { return *redis_circuit_open_; }
  // `op` should be one of kRedisOps; another value gets its own series.
  prometheus::Counter& redis_errors(std::string_view op);
  prometheus::Counter& config_reloads(bool success) {
    return success ? *reloads_success_ : *reloads_failure_;
  }
  prometheus::Gauge& config_generation() { return *config_generation_; }

  std::shared_ptr<prometheus::Registry> registry() { return registry_; }

  // Everything GET /metrics serves, in collection order.
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables() const;

 private:
  class PipelineCollector;

  std::unique_ptr<IngestStats> ingest_;
  std::vector<std::unique_ptr<WorkerStats>> workers_;
  std::unique_ptr<NotifyStats> notify_;

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<PipelineCollector> pipeline_collector_;
  std::shared_ptr<ProcessCollector> process_collector_;
  prometheus::Family<prometheus::Counter>* alerts_family_;
  prometheus::Family<prometheus::Counter>* redis_errors_family_;
  prometheus::Gauge* mqtt_connected_;
  prometheus::Counter* mqtt_reconnects_;
  prometheus::Gauge* redis_enabled_;
  prometheus::Gauge* redis_up_;
  prometheus::Gauge* redis_circuit_open_;
  prometheus::Counter* reloads_success_;
  prometheus::Counter* reloads_failure_;
  prometheus::Gauge* config_generation_;
};

// Serves GET /metrics for the registry. Owns the HTTP server threads.
class MetricsEndpoint {
 public:
  // `listen` is "host:port". Returns null and sets *error if it cannot bind.
  static std::unique_ptr<MetricsEndpoint> start(const std::string& listen, Metrics& metrics,
                                                std::string* error);
  ~MetricsEndpoint();

 private:
  struct Impl;
  explicit MetricsEndpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vitalsd
