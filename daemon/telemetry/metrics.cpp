#include "telemetry/metrics.h"

#include <exception>
#include <limits>

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include "common/version.h"
#include "telemetry/process_metrics.h"

namespace vitalsd {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::vector<AlertSeries> possible_alert_series(const RuleSet& rules) {
  std::vector<AlertSeries> out;
  // `severities` mildest first.
  auto add_rule = [&out](std::string_view rule, const std::vector<Severity>& severities) {
    for (const Severity s : severities) {
      for (const AlertState state : {AlertState::raised, AlertState::escalated, AlertState::cleared,
                                     AlertState::acknowledged}) {
        if (state == AlertState::escalated && s == severities.front()) continue;
        out.push_back({std::string(rule), s, state});
      }
    }
  };
  for (const ThresholdRule& r : rules.thresholds) {
    std::vector<Severity> severities;
    for (const ThresholdLevel& l : r.levels) severities.push_back(l.severity);
    add_rule(r.name, severities);
  }
  if (rules.news2.enabled) {
    add_rule(kNews2RuleName, {Severity::low, Severity::medium, Severity::high});
  }
  if (rules.signal_lost.enabled) add_rule(kSignalLostRuleName, {rules.signal_lost.severity});
  return out;
}

// Turns the per-thread blocks into metric families at scrape time, and keeps
// vitalsd_alerts_total's series in step with the rule set in force.
class Metrics::PipelineCollector final : public prometheus::Collectable {
 public:
  explicit PipelineCollector(Metrics& m) : m_(m) {}

  void set_probe(std::function<std::size_t(unsigned)> probe) {
    std::lock_guard lock(mutex_);
    probe_ = std::move(probe);
  }

  void set_rules_probe(std::function<std::shared_ptr<const RuleSet>()> probe) {
    std::lock_guard lock(mutex_);
    rules_probe_ = std::move(probe);
  }

  std::vector<MetricFamily> Collect() const override {
    declare_alert_series();
    std::vector<MetricFamily> out;
    const IngestStats& in = *m_.ingest_;

    std::uint64_t processed = 0;
    std::int64_t duplicates = 0;
    std::int64_t patients = 0;
    std::array<std::int64_t, 3> active = {};
    for (const auto& w : m_.workers_) {
      processed += w->processed.value();
      duplicates += w->duplicates.value();
      patients += w->patients.value();
      for (std::size_t s = 0; s < 3; ++s) active[s] += w->active_alerts[s].value();
    }

    out.push_back(counter("vitalsd_readings_received_total",
                          "MQTT messages received on the readings subscription.",
                          static_cast<double>(in.received.value())));
    out.push_back(counter("vitalsd_readings_processed_total",
                          "Readings validated and evaluated by a worker.",
                          static_cast<double>(processed)));
    out.push_back(counter("vitalsd_readings_duplicate_total",
                          "Readings the broker redelivered after a restart that vitalsd had "
                          "already evaluated, recognised and not evaluated again (counted as "
                          "processed too).",
                          static_cast<double>(duplicates)));
    {
      MetricFamily f{"vitalsd_readings_rejected_total",
                     "Messages rejected at validation, by reason.",
                     MetricType::Counter,
                     {}};
      for (std::size_t r = 0; r < kRejectReasonCount; ++r) {
        ClientMetric c;
        c.label = {{"reason", std::string(reject_reason_name(static_cast<RejectReason>(r)))}};
        c.counter.value = static_cast<double>(in.rejected[r].value());
        f.metric.push_back(std::move(c));
      }
      out.push_back(std::move(f));
    }
    out.push_back(counter("vitalsd_queue_full_waits_total",
                          "Times ingest waited for room in a full worker queue (back-pressure).",
                          static_cast<double>(in.queue_full_waits.value())));
    {
      MetricFamily f{
          "vitalsd_queue_depth", "Readings waiting in each worker's queue.", MetricType::Gauge, {}};
      std::lock_guard lock(mutex_);
      for (unsigned i = 0; i < m_.workers_.size(); ++i) {
        ClientMetric c;
        c.label = {{"worker", std::to_string(i)}};
        c.gauge.value = probe_ ? static_cast<double>(probe_(i)) : 0.0;
        f.metric.push_back(std::move(c));
      }
      out.push_back(std::move(f));
    }
    {
      MetricFamily f{"vitalsd_acks_total",
                     "Alert acknowledgements received, by what became of them.",
                     MetricType::Counter, {}};
      constexpr std::array<std::string_view, 3> kResults = {"acknowledged", "inactive",
                                                            "duplicate"};
      std::array<std::uint64_t, 3> acks = {};
      for (const auto& w : m_.workers_) {
        for (std::size_t r = 0; r < acks.size(); ++r) acks[r] += w->acks[r].value();
      }
      for (std::size_t r = 0; r < acks.size(); ++r) {
        ClientMetric c;
        c.label = {{"result", std::string(kResults[r])}};
        c.counter.value = static_cast<double>(acks[r]);
        f.metric.push_back(std::move(c));
      }
      ClientMetric invalid;
      invalid.label = {{"result", "invalid"}};
      invalid.counter.value = static_cast<double>(in.acks_invalid.value());
      f.metric.push_back(std::move(invalid));
      out.push_back(std::move(f));
    }
    out.push_back(gauge("vitalsd_patients_tracked", "Patients with state held by the workers.",
                        static_cast<double>(patients)));
    {
      MetricFamily f{
          "vitalsd_active_alerts", "Alerts currently active, by severity.", MetricType::Gauge, {}};
      for (std::size_t s = 0; s < 3; ++s) {
        ClientMetric c;
        c.label = {{"severity", std::string(severity_name(static_cast<Severity>(s + 1)))}};
        c.gauge.value = static_cast<double>(active[s]);
        f.metric.push_back(std::move(c));
      }
      out.push_back(std::move(f));
    }
    {
      MetricFamily f{"vitalsd_processing_seconds",
                     "Time from receiving a reading to having evaluated it.",
                     MetricType::Histogram,
                     {}};
      std::array<std::uint64_t, kLatencyBucketsSeconds.size() + 1> buckets = {};
      double sum = 0;
      for (const auto& w : m_.workers_) {
        for (std::size_t i = 0; i < buckets.size(); ++i) {
          buckets[i] += w->processing_seconds.bucket(i);
        }
        sum += w->processing_seconds.sum();
      }
      ClientMetric c;
      c.histogram = histogram(buckets, sum);
      f.metric.push_back(std::move(c));
      out.push_back(std::move(f));
    }
    {
      MetricFamily f{
          "vitalsd_alert_publish_seconds",
          "Time from receiving a reading to the broker acknowledging the alert it caused.",
          MetricType::Histogram,
          {}};
      const auto& h = m_.notify_->alert_publish_seconds;
      std::array<std::uint64_t, kLatencyBucketsSeconds.size() + 1> buckets = {};
      for (std::size_t i = 0; i < buckets.size(); ++i) buckets[i] = h.bucket(i);
      ClientMetric c;
      c.histogram = histogram(buckets, h.sum());
      f.metric.push_back(std::move(c));
      out.push_back(std::move(f));
    }
    const NotifyStats& notify = *m_.notify_;
    out.push_back(
        gauge("vitalsd_alert_publish_pending",
              "Alerts emitted and not yet acknowledged by the broker (queued, in flight or "
              "awaiting retry).",
              static_cast<double>(notify.pending.load(std::memory_order_relaxed))));
    out.push_back(
        counter("vitalsd_alert_publish_failures_total",
                "Alert publishes the broker did not acknowledge (each is retried until shutdown).",
                static_cast<double>(notify.publish_failures.load(std::memory_order_relaxed))));
    return out;
  }

 private:
  // Runs at the start of each scrape, before the registry is collected (see
  // Metrics::collectables), so a new rule's series show in the same scrape.
  void declare_alert_series() const {
    std::shared_ptr<const RuleSet> rules;
    {
      std::lock_guard lock(mutex_);
      if (!rules_probe_) return;
      rules = rules_probe_();
      if (rules == declared_for_) return;
      declared_for_ = rules;
    }
    if (!rules) return;
    for (const AlertSeries& s : possible_alert_series(*rules)) {
      m_.alerts_family_->Add({{"rule", s.rule},
                              {"severity", std::string(severity_name(s.severity))},
                              {"state", std::string(alert_state_name(s.state))}});
    }
  }

  static MetricFamily counter(std::string name, std::string help, double v) {
    ClientMetric c;
    c.counter.value = v;
    return MetricFamily{std::move(name), std::move(help), MetricType::Counter, {c}};
  }
  static MetricFamily gauge(std::string name, std::string help, double v) {
    ClientMetric c;
    c.gauge.value = v;
    return MetricFamily{std::move(name), std::move(help), MetricType::Gauge, {c}};
  }
  // Buckets are read one by one while writers run, so the count is derived
  // from them: a scrape never shows a count that disagrees with its buckets.
  static ClientMetric::Histogram histogram(
      const std::array<std::uint64_t, kLatencyBucketsSeconds.size() + 1>& per_bucket, double sum) {
    ClientMetric::Histogram h;
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kLatencyBucketsSeconds.size(); ++i) {
      cumulative += per_bucket[i];
      h.bucket.push_back({cumulative, kLatencyBucketsSeconds[i]});
    }
    cumulative += per_bucket.back();
    h.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
    h.sample_count = cumulative;
    h.sample_sum = sum;
    return h;
  }

  Metrics& m_;
  mutable std::mutex mutex_;  // guards probe_, rules_probe_ and declared_for_
  std::function<std::size_t(unsigned)> probe_;
  std::function<std::shared_ptr<const RuleSet>()> rules_probe_;
  // The rule set whose alert series exist; held so its address cannot be reused.
  mutable std::shared_ptr<const RuleSet> declared_for_;
};

Metrics::Metrics(unsigned workers)
    : ingest_(std::make_unique<IngestStats>()),
      notify_(std::make_unique<NotifyStats>()),
      registry_(std::make_shared<prometheus::Registry>()) {
  for (unsigned i = 0; i < workers; ++i) workers_.push_back(std::make_unique<WorkerStats>());
  pipeline_collector_ = std::make_shared<PipelineCollector>(*this);
  process_collector_ = std::make_shared<ProcessCollector>();

  using prometheus::BuildCounter;
  using prometheus::BuildGauge;
  alerts_family_ = &BuildCounter()
                        .Name("vitalsd_alerts_total")
                        .Help("Alert transitions published, by rule, severity and state.")
                        .Register(*registry_);
  redis_errors_family_ =
      &BuildCounter()
           .Name("vitalsd_redis_errors_total")
           .Help(
               "Redis commands that failed, timed out or were skipped by the open circuit, "
               "by operation.")
           .Register(*registry_);
  for (const std::string_view op : kRedisOps) redis_errors_family_->Add({{"op", std::string(op)}});
  mqtt_connected_ = &BuildGauge()
                         .Name("vitalsd_mqtt_connected")
                         .Help("1 while both MQTT connections (readings and alerts) are up.")
                         .Register(*registry_)
                         .Add({});
  mqtt_reconnects_ = &BuildCounter()
                          .Name("vitalsd_mqtt_reconnects_total")
                          .Help("MQTT connections re-established after a loss.")
                          .Register(*registry_)
                          .Add({});
  redis_enabled_ = &BuildGauge()
                        .Name("vitalsd_redis_enabled")
                        .Help(
                            "1 when Redis is configured ([redis] enabled); 0 when vitalsd runs "
                            "without it.")
                        .Register(*registry_)
                        .Add({});
  redis_up_ = &BuildGauge()
                   .Name("vitalsd_redis_up")
                   .Help("1 while the Redis connection is up.")
                   .Register(*registry_)
                   .Add({});
  redis_circuit_open_ = &BuildGauge()
                             .Name("vitalsd_redis_circuit_open")
                             .Help("1 while the Redis circuit breaker is open (calls skipped).")
                             .Register(*registry_)
                             .Add({});
  auto& reloads = BuildCounter()
                      .Name("vitalsd_config_reloads_total")
                      .Help("Config and rules reloads (SIGHUP), by result.")
                      .Register(*registry_);
  reloads_success_ = &reloads.Add({{"result", "success"}});
  reloads_failure_ = &reloads.Add({{"result", "failure"}});
  config_generation_ = &BuildGauge()
                            .Name("vitalsd_config_generation")
                            .Help("Generation of the rule set in force; 1 at start, +1 per reload.")
                            .Register(*registry_)
                            .Add({});
  config_generation_->Set(1);
  BuildGauge()
      .Name("vitalsd_build_info")
      .Help("Always 1; the version label says which vitalsd is running.")
      .Register(*registry_)
      .Add({{"version", kVersion}})
      .Set(1);
}

Metrics::~Metrics() = default;

void Metrics::set_queue_depth_probe(std::function<std::size_t(unsigned)> probe) {
  pipeline_collector_->set_probe(std::move(probe));
}

void Metrics::set_rules_probe(std::function<std::shared_ptr<const RuleSet>()> probe) {
  pipeline_collector_->set_rules_probe(std::move(probe));
}

std::vector<std::shared_ptr<prometheus::Collectable>> Metrics::collectables() const {
  // The pipeline collector first: it may add alert series to the registry.
  return {pipeline_collector_, registry_, process_collector_};
}

void Metrics::count_alert(std::string_view rule, Severity severity, AlertState state) {
  alerts_family_
      ->Add({{"rule", std::string(rule)},
             {"severity", std::string(severity_name(severity))},
             {"state", std::string(alert_state_name(state))}})
      .Increment();
}

prometheus::Counter& Metrics::redis_errors(std::string_view op) {
  return redis_errors_family_->Add({{"op", std::string(op)}});
}

struct MetricsEndpoint::Impl {
  std::unique_ptr<prometheus::Exposer> exposer;
};

MetricsEndpoint::MetricsEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetricsEndpoint::~MetricsEndpoint() = default;

std::unique_ptr<MetricsEndpoint> MetricsEndpoint::start(const std::string& listen, Metrics& metrics,
                                                        std::string* error) {
  auto impl = std::make_unique<Impl>();
  try {
    // One serving thread is plenty for a scrape every few seconds.
    impl->exposer = std::make_unique<prometheus::Exposer>(listen, 1);
  } catch (const std::exception& e) {
    if (error != nullptr) *error = "cannot listen on " + listen + ": " + e.what();
    return nullptr;
  }
  for (const auto& c : metrics.collectables()) impl->exposer->RegisterCollectable(c);
  return std::unique_ptr<MetricsEndpoint>(new MetricsEndpoint(std::move(impl)));
}

}  // namespace vitalsd
