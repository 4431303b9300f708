// Metrics: every vitalsd_* metric of SPEC §8, declared in one place.
//
// Hot-path statistics live in per-thread blocks (stat_counters.h) and are
// summed only when Prometheus scrapes; low-rate metrics (alerts, connection
// state, reloads) use prometheus-cpp's thread-safe families directly.
// Built once in main and passed by reference; no patient id is ever a label.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "analysis/alert_event.h"
#include "telemetry/stat_counters.h"

namespace vitalsd {

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

  // vitalsd_alerts_total{rule,severity,state}. Thread-safe (family lookup is locked).
  void count_alert(std::string_view rule, Severity severity, AlertState state);

  prometheus::Gauge& mqtt_connected() { return *mqtt_connected_; }
  prometheus::Counter& mqtt_reconnects() { return *mqtt_reconnects_; }
  prometheus::Gauge& redis_up() { return *redis_up_; }
  prometheus::Gauge& redis_circuit_open() { return *redis_circuit_open_; }
  prometheus::Counter& redis_errors(std::string_view op);
  prometheus::Counter& config_reloads(bool success) {
    return success ? *reloads_success_ : *reloads_failure_;
  }
  prometheus::Gauge& config_generation() { return *config_generation_; }

  std::shared_ptr<prometheus::Registry> registry() { return registry_; }

 private:
  friend class MetricsEndpoint;
  class PipelineCollector;

  std::unique_ptr<IngestStats> ingest_;
  std::vector<std::unique_ptr<WorkerStats>> workers_;
  std::unique_ptr<NotifyStats> notify_;

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<PipelineCollector> pipeline_collector_;
  prometheus::Family<prometheus::Counter>* alerts_family_;
  prometheus::Family<prometheus::Counter>* redis_errors_family_;
  prometheus::Gauge* mqtt_connected_;
  prometheus::Counter* mqtt_reconnects_;
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
