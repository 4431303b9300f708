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
#include "store/redis_state.h"
#include "telemetry/metrics.h"

namespace vitalsd {
namespace {

unsigned worker_count(const PipelineConfig& p) {
  if (p.workers > 0) return p.workers;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? cores : 1;
}

ProfilePolicy profile_policy(const RedisConfig& redis) {
  ProfilePolicy p;
  p.ttl = redis.profile_ttl;
  // The store answers within the Redis timeout; the hold is only a safety net.
  p.max_hold = 2 * redis.timeout + std::chrono::seconds(1);
  return p;
}

std::string redis_address(const RedisConfig& redis) {
  if (!redis.unix_socket.empty()) return "unix:" + redis.unix_socket.string();
  return redis.host + ":" + std::to_string(redis.port);
}

// Loads what Redis remembers of the last run into the (not yet started) workers.
void restore_state(RedisState& redis, WorkerPool& pool, spdlog::logger& log) {
  const auto began = std::chrono::steady_clock::now();
  const RestoredState state = redis.restore(std::chrono::seconds(30));
  for (const auto& problem : state.problems) log.warn("restore: {}", problem);
  const std::size_t restored = pool.restore(state);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - began);
  if (state.complete) {
    log.info("restore: {} active alerts and {} patients' last reading times from Redis in {} ms",
             restored, state.last_ts.size(), took.count());
  } else {
    log.warn(
        "restore: Redis did not answer in full; started with {} active alerts restored. Alerts "
        "standing before the restart may be raised again",
        restored);
  }
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

  // The event loop: signals, timers, Redis, reloads and the watchdog. Built
  // first so that everything using it is destroyed before it.
  boost::asio::io_context io;
  std::unique_ptr<RedisState> redis;
  if (config_.redis.enabled) redis = std::make_unique<RedisState>(io, config_.redis, metrics, log);
  metrics.redis_enabled().Set(redis ? 1 : 0);

  RulesBroadcast rules(rules_);
  auto publisher = std::make_unique<MqttPublisher>(config_.mqtt, log);
  auto notifier = std::make_unique<Notifier>(*publisher, config_.mqtt.alert_topic_prefix, clock,
                                             metrics, log, redis ? &redis->writer() : nullptr);
  WorkerPool pool({.workers = workers,
                   .queue_capacity = config_.pipeline.queue_capacity,
                   .profiles = profile_policy(config_.redis)},
                  clock, *notifier, rules, metrics, redis ? &redis->profiles() : nullptr,
                  redis ? &redis->writer() : nullptr);
  metrics.set_queue_depth_probe([&pool](unsigned i) { return pool.depth(i); });
  metrics.set_rules_probe([&rules] { return rules.current(); });
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
  subscriber.on_message([&](const std::string& topic, const std::string& payload, bool dup) {
    ingestor.on_message(topic, payload, dup);
  });

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
  if (redis) {
    redis->start([&pool](std::string_view patient) { pool.invalidate_profile(patient); },
                 [&pool] { pool.invalidate_all_profiles(); });
  }
  std::thread event_loop([&io] { io.run(); });

  log.info("vitalsd starting: broker {}, {} workers, queue capacity {}, metrics {}, redis {}",
           config_.mqtt.uri, workers, config_.pipeline.queue_capacity,
           config_.metrics.listen.empty() ? "off" : config_.metrics.listen,
           redis ? redis_address(config_.redis) : "off");
  // Restart recovery: standing alerts are known before the first reading.
  if (redis) restore_state(*redis, pool, log);

  notifier->start();
  pool.start();
  publisher->start();
  subscriber.start();

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
  const std::size_t unwritten = redis ? redis->flush(deadline) : 0;
  publisher->stop(remaining());
  publisher.reset();  // no Paho callback can reach the notifier after this
  notifier.reset();

  io.stop();
  event_loop.join();
  if (redis) redis->stop();
  service.stop();

  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  bool clean = true;
  if (unacked > 0) {
    log.error("shutdown: {} alerts were not acknowledged by the broker within {} ms", unacked,
              config_.pipeline.shutdown_timeout.count());
    clean = false;
  }
  if (unwritten > 0) {
    log.error("shutdown: {} Redis writes (alert stream, active or latest state) could not be made",
              unwritten);
    clean = false;
  }
  if (ingestor.refused() > 0) {
    log.error("shutdown: {} readings arrived after the workers stopped", ingestor.refused());
    clean = false;
  }
  if (!clean) return 1;
  log.info("shutdown complete in {} ms: every queued reading processed, every alert delivered",
           took.count());
  return 0;
}

}  // namespace vitalsd
