// AlertStateWriter: keeps the hospital's view of vitalsd in Redis (SPEC §5):
// every alert transition appended to the stream <prefix>alerts (capped with
// MAXLEN ~), the active alerts of each patient in <prefix>active:<patient>
// (field = rule, value = the alert JSON of its latest transition; removed
// when cleared), and each patient's newest values in <prefix>latest:<patient>.
//
// Writes are pipelined on one connection, so Redis round trips never cap
// throughput, and never block the caller. When Redis is down or slow they
// are kept and written after it comes back:
//  - stream entries in their original order, at most max_stream_backlog of
//    them (beyond that the oldest are dropped, counted and logged);
//  - active and latest state as "last write wins" per key, so the backlog is
//    bounded by patients x rules however long the outage lasts.
// An entry whose write timed out may have reached Redis and be appended
// again: the stream is at-least-once; (id, state) identifies a transition.
//
// Threads: stream(), active() and latest() from any thread (they post to the event
// loop); everything else on the event loop, except flush().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <spdlog/logger.h>

#include "analysis/alert_event.h"
#include "analysis/latest_vitals.h"
#include "notify/alert_recorder.h"
#include "config/config.h"
#include "store/redis_commands.h"
#include "store/state_restorer.h"

namespace vitalsd {

class Metrics;

struct AlertStateWriterOptions {
  std::size_t max_stream_backlog = 50'000;
};

class AlertStateWriter final : public AlertRecorder, public LatestSink {
 public:
  using Options = AlertStateWriterOptions;

  AlertStateWriter(boost::asio::io_context& io, RedisCommands& redis, const RedisConfig& config,
                   Metrics& metrics, spdlog::logger& log, Options options = {});

  // Thread-safe: the stream entry (at emission) and the active state (once
  // the broker has the alert).
  void stream(const AlertEvent& event, std::string json);
  void active(const AlertEvent& event, std::string json);
  void emitted(const AlertEvent& event, const std::string& json) override { stream(event, json); }
  void delivered(const AlertEvent& event, const std::string& json) override {
    active(event, json);
  }
  void latest(std::vector<LatestSnapshot> snapshots) override;

  // Event loop: Redis is reachable again; write what is parked. Safe to call
  // any time (the daemon calls it on every reconnect and once a second).
  void reconcile();

  // Event loop: a new connection to Redis. Writes every active alert again
  // (then reconciles), because the Redis that answers may have lost them: a
  // restart without persistence, a failover to a lagging replica. The alerts
  // written during an outage are parked anyway; this also restores the ones
  // raised before it and unchanged since. Costs one HSET per active alert.
  void reconnected();

  // Event loop: active alerts restored at start-up, so reconnected() knows them.
  void seed_active(const std::vector<RestoredAlert>& alerts);

  // Blocks the calling thread (not the event loop) until every write handed
  // over before the call has been answered, or `deadline`. Returns the
  // number of writes still parked or unanswered (0 = all written).
  std::size_t flush(std::chrono::steady_clock::time_point deadline);

 private:
  struct StreamEntry {
    std::string json;
    std::string patient;
    std::string rule;
    std::string_view state;
  };
  struct KeyState {
    std::uint64_t issued = 0;  // sequence number of the newest write issued for the key
  };

  void append(StreamEntry entry);
  void pump_stream();
  void write_active(const std::string& key, const std::string& rule,
                    std::optional<std::string> json);
  void write_latest(const LatestSnapshot& s);
  std::size_t unwritten() const;

  boost::asio::io_context& io_;
  RedisCommands& redis_;
  const std::string prefix_;
  const std::string stream_key_;
  const std::string maxlen_;
  Metrics& metrics_;
  spdlog::logger& log_;
  const Options options_;

  // Event loop only.
  std::deque<StreamEntry> stream_pending_;  // not yet sent, in order
  std::deque<StreamEntry> stream_failed_;   // sent, failed: resent first
  bool stream_blocked_ = false;             // a failure: hold new entries until reconcile()
  std::uint64_t stream_dropped_ = 0;
  std::uint64_t next_seq_ = 0;
  std::unordered_map<std::string, KeyState> active_issued_;  // "<key>\n<rule>"
  std::unordered_map<std::string, std::pair<std::string, std::optional<std::string>>>
      active_parked_;  // "<key>\n<rule>" -> (rule, json or delete)
  // Every alert active now, as last published: "<key>\n<rule>" -> (rule, json).
  // Bounded by patients x rules, like the active hashes themselves.
  std::unordered_map<std::string, std::pair<std::string, std::string>> active_mirror_;
  std::unordered_map<std::string, KeyState> latest_issued_;
  std::unordered_map<std::string, LatestSnapshot> latest_parked_;
  std::size_t in_flight_ = 0;
  mutable std::atomic<std::size_t> unwritten_hint_{0};  // last count, for flush() if the loop is stuck
};

}  // namespace vitalsd
