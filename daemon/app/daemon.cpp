#include "app/daemon.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdlib>
#include <future>
#include <pthread.h>
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

using SteadyTime = std::chrono::steady_clock::time_point;

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

std::chrono::milliseconds until(SteadyTime deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now()));
}

}  // namespace

// Every component, declared so that destruction runs in a safe order as a
// fallback; the normal shutdown (drain()) tears them down explicitly.
struct Daemon::Parts {
  Parts(const Config& config, std::shared_ptr<const RuleSet> rule_set, unsigned workers,
        TopicFilter readings_filter, TopicFilter ack_filter, spdlog::logger& log)
      : readings_filter(std::move(readings_filter)),
        ack_filter(std::move(ack_filter)),
        metrics(workers),
        redis(config.redis.enabled
                  ? std::make_unique<RedisState>(io, config.redis, metrics, log)
                  : nullptr),
        rules(std::move(rule_set)),
        publisher(std::make_unique<MqttPublisher>(config.mqtt, log)),
        notifier(std::make_unique<Notifier>(*publisher, config.mqtt.alert_topic_prefix, clock,
                                            metrics, log, redis ? &redis->writer() : nullptr)),
        pool({.workers = workers,
              .queue_capacity = config.pipeline.queue_capacity,
              .profiles = profile_policy(config.redis)},
             clock, *notifier, rules, metrics, redis ? &redis->profiles() : nullptr,
             redis ? &redis->writer() : nullptr),
        rejections(*publisher, config.mqtt.rejected_topic, clock, log),
        ingestor(this->readings_filter, this->ack_filter,
                 ReadingParserLimits{.max_payload_bytes = config.pipeline.max_payload_bytes},
                 clock, pool, rejections, metrics.ingest()),
        service(config, rules, pool, metrics, clock, log),
        subscriber(config.mqtt,
                   MqttConnectionOptions{.client_id = config.mqtt.client_id,
                                         .clean_session = config.mqtt.clean_session},
                   log),
        signals(io, SIGINT, SIGTERM, SIGHUP) {
    metrics.set_queue_depth_probe([this](unsigned i) { return pool.depth(i); });
    metrics.set_rules_probe([this] { return rules.current(); });
    metrics.redis_enabled().Set(redis ? 1 : 0);
  }

  const TopicFilter readings_filter;
  const TopicFilter ack_filter;
  SystemClock clock;
  Metrics metrics;
  boost::asio::io_context io;  // signals, timers, Redis, reloads, the watchdog
  std::unique_ptr<RedisState> redis;
  RulesBroadcast rules;
  std::unique_ptr<MqttPublisher> publisher;
  std::unique_ptr<Notifier> notifier;
  WorkerPool pool;
  RejectionReporter rejections;
  Ingestor ingestor;
  ServiceControl service;  // systemd notify, SIGHUP reload and the watchdog
  MqttConnection subscriber;
  boost::asio::signal_set signals;
  std::function<void(const boost::system::error_code&, int)> on_signal;
  std::promise<void> shutdown_requested;
  bool shutdown_started = false;
  std::thread event_loop;
  std::unique_ptr<MetricsEndpoint> endpoint;  // last: its probes point into the parts above
};

struct Daemon::ShutdownReport {
  std::chrono::milliseconds took{0};
  WorkerPool::StopReport workers;
  std::size_t unacked_alerts = 0;
  std::size_t unwritten_redis = 0;
  std::uint64_t refused_readings = 0;
};

Daemon::Daemon(Config config, std::shared_ptr<const RuleSet> rules,
               std::shared_ptr<spdlog::logger> log)
    : config_(std::move(config)), rules_(std::move(rules)), log_(std::move(log)) {}

Daemon::~Daemon() = default;

int Daemon::run() {
  spdlog::logger& log = *log_;
  workers_ = worker_count(config_.pipeline);
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
  Parts parts(config_, rules_, workers_, std::move(readings_filter).value(),
              std::move(ack_filter).value(), log);
  if (!config_.metrics.listen.empty()) {
    std::string error;
    parts.endpoint = MetricsEndpoint::start(config_.metrics.listen, parts.metrics, &error);
    if (!parts.endpoint) {
      log.error("metrics: {}", error);
      return 1;
    }
  }
  wire_mqtt(parts);
  start(parts);
  parts.shutdown_requested.get_future().wait();
  return report(drain(parts));
}

void Daemon::wire_mqtt(Parts& p) {
  spdlog::logger& log = *log_;
  auto update_connected = [&p] {
    p.metrics.mqtt_connected().Set(p.subscriber.connected() &&
                                   p.publisher->connection().connected());
  };
  p.publisher->connection().on_connected([&p, update_connected](bool reconnect) {
    if (reconnect) p.metrics.mqtt_reconnects().Increment();
    update_connected();
  });
  p.publisher->connection().on_connection_lost(update_connected);
  p.subscriber.on_connection_lost(update_connected);
  p.subscriber.on_connected([this, &p, &log, update_connected](bool reconnect) {
    if (reconnect) p.metrics.mqtt_reconnects().Increment();
    update_connected();
    // Subscribing again after a reconnect is harmless with a persistent
    // session and necessary with a clean one.
    p.subscriber.subscribe(p.ack_filter.subscription(), 1, [&p, &log](bool granted) {
      if (!granted) {
        log.error("mqtt: the broker refused the subscription to '{}'", p.ack_filter.subscription());
      }
    });
    p.subscriber.subscribe(
        p.readings_filter.subscription(), config_.mqtt.qos, [this, &p, &log](bool granted) {
          if (!granted) {
            log.error("mqtt: the broker refused the subscription to '{}'",
                      p.readings_filter.subscription());
            return;
          }
          log.info("ready: subscribed to '{}' (qos {}) on {}; {} workers; {}",
                   p.readings_filter.subscription(), config_.mqtt.qos, config_.mqtt.uri,
                   workers_, summary(*p.rules.current()));
          p.service.condition_met(kReadySubscribed);
        });
  });
  p.subscriber.on_message([&p](const std::string& topic, const std::string& payload, bool dup) {
    p.ingestor.on_message(topic, payload, dup);
  });
}

void Daemon::start(Parts& p) {
  spdlog::logger& log = *log_;
  // Signals arrive on the event loop (never work inside a raw signal handler).
  p.on_signal = [&p, &log](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    if (signo == SIGHUP) {
      p.service.reload();
    } else if (!p.shutdown_started) {
      p.shutdown_started = true;
      p.service.stopping();
      log.info("{}: shutting down", signo == SIGTERM ? "SIGTERM" : "SIGINT");
      p.shutdown_requested.set_value();
    }
    p.signals.async_wait(p.on_signal);
  };
  p.signals.async_wait(p.on_signal);
  p.service.start(p.io);
  if (p.redis) {
    p.redis->start([&p](std::string_view patient) { p.pool.invalidate_profile(patient); },
                   [&p] { p.pool.invalidate_all_profiles(); });
  }
  p.event_loop = std::thread([&p] { p.io.run(); });
  pthread_setname_np(p.event_loop.native_handle(), "event-loop");  // top -H, gdb

  log.info("vitalsd starting: broker {}, {} workers, queue capacity {}, metrics {}, redis {}",
           config_.mqtt.uri, workers_, config_.pipeline.queue_capacity,
           config_.metrics.listen.empty() ? "off" : config_.metrics.listen,
           p.redis ? redis_address(config_.redis) : "off");
  if (p.redis) {
    // Restart recovery: standing alerts are known before the first reading.
    const auto began = std::chrono::steady_clock::now();
    const RestoredState state = p.redis->restore(std::chrono::seconds(30));
    for (const auto& problem : state.problems) log.warn("restore: {}", problem);
    const std::size_t restored = p.pool.restore(state);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - began);
    if (state.complete) {
      log.info("restore: {} active alerts and {} patients' last reading times from Redis in {} ms",
               restored, state.last_ts.size(), took.count());
    } else {
      log.warn("restore: Redis did not answer in full; started with {} active alerts restored. "
               "Alerts standing before the restart may be raised again",
               restored);
    }
  }
  p.notifier->start();
  p.pool.start();
  p.publisher->start();
  p.subscriber.start();
}

Daemon::ShutdownReport Daemon::drain(Parts& p) {
  spdlog::logger& log = *log_;
  ShutdownReport r;
  const SteadyTime started = std::chrono::steady_clock::now();
  const SteadyTime deadline = started + config_.pipeline.shutdown_timeout;
  // Redis gets a share of the budget of its own, so a dead broker eating the
  // whole timeout cannot also cost the alert state written to Redis.
  const auto redis_share = p.redis ? std::min<std::chrono::milliseconds>(
                                         config_.pipeline.shutdown_timeout / 4,
                                         std::chrono::seconds(2))
                                   : std::chrono::milliseconds(0);

  p.subscriber.stop(until(deadline));
  std::size_t queued = 0;
  for (unsigned i = 0; i < p.pool.size(); ++i) queued += p.pool.depth(i);
  log.info("shutdown: intake stopped; draining {} queued readings", queued);
  r.workers = p.pool.stop(deadline);
  if (!r.workers.finished) {
    log.critical("shutdown: workers did not finish within {} ms; {} readings left unprocessed; "
                 "exiting without waiting for them",
                 config_.pipeline.shutdown_timeout.count(), r.workers.left_queued);
    log.flush();
    std::_Exit(1);  // a wedged worker's thread cannot be joined
  }
  r.unacked_alerts = p.notifier->stop(deadline - redis_share);
  if (p.redis) r.unwritten_redis = p.redis->flush(deadline);
  p.publisher->stop(until(deadline));
  p.publisher.reset();  // no Paho callback can reach the notifier after this
  p.notifier.reset();
  p.endpoint.reset();  // no scrape during teardown
  p.io.stop();
  p.event_loop.join();
  if (p.redis) p.redis->stop();
  p.service.stop();
  r.refused_readings = p.ingestor.refused();
  r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 started);
  return r;
}

int Daemon::report(const ShutdownReport& r) {
  spdlog::logger& log = *log_;
  bool clean = true;
  if (r.workers.held_released > 0) {
    log.warn("shutdown: {} first readings of new patients were evaluated without their profile "
             "(no answer from Redis in time)",
             r.workers.held_released);
  }
  if (r.unacked_alerts > 0) {
    log.error("shutdown: {} alerts were not acknowledged by the broker within {} ms",
              r.unacked_alerts, config_.pipeline.shutdown_timeout.count());
    clean = false;
  }
  if (r.unwritten_redis > 0) {
    log.error("shutdown: {} Redis writes (alert stream, active or latest state) could not be made",
              r.unwritten_redis);
    clean = false;
  }
  if (r.refused_readings > 0) {
    log.error("shutdown: {} readings arrived after the workers stopped", r.refused_readings);
    clean = false;
  }
  if (!clean) return 1;
  log.info("shutdown complete in {} ms: every queued reading processed, every alert delivered",
           r.took.count());
  return 0;
}

}  // namespace vitalsd
