#include "app/daemon.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <future>
#include <thread>

#include "app/service_control.h"
#include "common/clock.h"
#include "dispatch/rules_broadcast.h"
#include "dispatch/worker_pool.h"
#include "ingest/ingestor.h"
#include "ingest/rejection_reporter.h"
#include "ingest/topic_filter.h"
#include "mqtt/mqtt_connection.h"
#include "notify/mqtt_publisher.h"
#include "notify/notifier.h"
#include "telemetry/metrics.h"

namespace vitalsd {
namespace {

unsigned worker_count(const PipelineConfig& p) {
  if (p.workers > 0) return p.workers;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? cores : 1;
}

std::string describe(const RuleSet& rules) {
  return std::to_string(rules.thresholds.size()) + " threshold rules, news2 " +
         (rules.news2.enabled ? "on" : "off") + ", signal_lost " +
         (rules.signal_lost.enabled ? "on" : "off");
}

}  // namespace

Daemon::Daemon(Config config, std::shared_ptr<const RuleSet> rules,
               std::shared_ptr<spdlog::logger> log)
    : config_(std::move(config)), rules_(std::move(rules)), log_(std::move(log)) {}

Daemon::~Daemon() = default;

int Daemon::run() {
  spdlog::logger& log = *log_;
  SystemClock clock;
  const unsigned workers = worker_count(config_.pipeline);

  auto readings_filter = TopicFilter::parse(config_.mqtt.subscribe);
  if (!readings_filter) {
    log.error("[mqtt] subscribe: {}", readings_filter.error());
    return 1;
  }
  auto ack_filter = TopicFilter::parse(config_.mqtt.ack_subscribe);
  if (!ack_filter) {
    log.error("[mqtt] ack_subscribe: {}", ack_filter.error());
    return 1;
  }

  Metrics metrics(workers);
  std::unique_ptr<MetricsEndpoint> endpoint;
  if (!config_.metrics.listen.empty()) {
    std::string error;
    endpoint = MetricsEndpoint::start(config_.metrics.listen, metrics, &error);
    if (!endpoint) {
      log.error("metrics: {}", error);
      return 1;
    }
  }

  RulesBroadcast rules(rules_);
  auto publisher = std::make_unique<MqttPublisher>(config_.mqtt, log);
  auto notifier = std::make_unique<Notifier>(*publisher, config_.mqtt.alert_topic_prefix, clock,
                                             metrics, log);
  WorkerPool pool({.workers = workers, .queue_capacity = config_.pipeline.queue_capacity}, clock,
                  *notifier, rules, metrics);
  metrics.set_queue_depth_probe([&pool](unsigned i) { return pool.depth(i); });
  metrics.set_rules_probe([&rules] { return rules.current(); });
  metrics.redis_enabled().Set(config_.redis.enabled ? 1 : 0);
  RejectionReporter rejections(*publisher, config_.mqtt.rejected_topic, clock, log);
  Ingestor ingestor(*readings_filter, *ack_filter,
                    ReadingParserLimits{.max_payload_bytes = config_.pipeline.max_payload_bytes},
                    clock, pool, rejections, metrics.ingest());
  // systemd notify, SIGHUP reload and the watchdog (app/service_control.h).
  ServiceControl service(config_, rules, pool, metrics, clock, log);

  MqttConnection subscriber(
      config_.mqtt,
      MqttConnectionOptions{.client_id = config_.mqtt.client_id,
                            .clean_session = config_.mqtt.clean_session},
      log);

  auto update_connected = [&] {
    metrics.mqtt_connected().Set(subscriber.connected() && publisher->connection().connected());
  };
  publisher->connection().on_connected([&](bool reconnect) {
    if (reconnect) metrics.mqtt_reconnects().Increment();
    update_connected();
  });
  publisher->connection().on_connection_lost(update_connected);
  subscriber.on_connection_lost(update_connected);
  subscriber.on_connected([&](bool reconnect) {
    if (reconnect) metrics.mqtt_reconnects().Increment();
    update_connected();
    // Subscribing again after a reconnect is harmless with a persistent
    // session and necessary with a clean one.
    subscriber.subscribe(ack_filter->subscription(), 1, [&](bool granted) {
      if (!granted) {
        log.error("mqtt: the broker refused the subscription to '{}'", ack_filter->subscription());
      }
    });
    subscriber.subscribe(readings_filter->subscription(), config_.mqtt.qos, [&](bool granted) {
      if (!granted) {
        log.error("mqtt: the broker refused the subscription to '{}'",
                  readings_filter->subscription());
        return;
      }
      log.info("ready: subscribed to '{}' (qos {}) on {}; {} workers; {}",
               readings_filter->subscription(), config_.mqtt.qos, config_.mqtt.uri, workers,
               describe(*rules.current()));
      service.condition_met(kReadySubscribed);
    });
  });
  subscriber.on_message([&](const std::string& topic, const std::string& payload) {
    ingestor.on_message(topic, payload);
  });

  // The event loop: signals now; Redis, timers and reloads as they arrive.
  boost::asio::io_context io;
  std::promise<void> shutdown_requested;
  bool shutdown_started = false;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        if (signo == SIGHUP) {
          service.reload();
        } else if (!shutdown_started) {
          shutdown_started = true;
          service.stopping();
          log.info("{}: shutting down", signo == SIGTERM ? "SIGTERM" : "SIGINT");
          shutdown_requested.set_value();
        }
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  service.start(io);
  std::thread event_loop([&io] { io.run(); });

  notifier->start();
  pool.start();
  publisher->start();
  subscriber.start();
  log.info("vitalsd starting: broker {}, {} workers, queue capacity {}, metrics {}",
           config_.mqtt.uri, workers, config_.pipeline.queue_capacity,
           config_.metrics.listen.empty() ? "off" : config_.metrics.listen);

  shutdown_requested.get_future().wait();

  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + config_.pipeline.shutdown_timeout;
  auto remaining = [&] {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()));
  };
  subscriber.stop(remaining());
  log.info("shutdown: intake stopped; draining {} queued readings",
           [&] {
             std::size_t n = 0;
             for (unsigned i = 0; i < pool.size(); ++i) n += pool.depth(i);
             return n;
           }());
  pool.stop();
  const std::size_t unacked = notifier->stop(deadline);
  publisher->stop(remaining());
  publisher.reset();  // no Paho callback can reach the notifier after this
  notifier.reset();

  io.stop();
  event_loop.join();
  service.stop();

  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  if (unacked > 0) {
    log.error("shutdown: {} alerts were not acknowledged by the broker within {} ms", unacked,
              config_.pipeline.shutdown_timeout.count());
    return 1;
  }
  if (ingestor.refused() > 0) {
    log.error("shutdown: {} readings arrived after the workers stopped", ingestor.refused());
    return 1;
  }
  log.info("shutdown complete in {} ms: every queued reading processed, every alert delivered",
           took.count());
  return 0;
}

}  // namespace vitalsd
