// RedisState: everything vitalsd keeps in Redis, assembled (SPEC §4, §5):
// the command connection and the subscriber connection, patient profiles,
// the alert stream / active / latest writer, the start-up restore, and the
// <prefix>patient-updated invalidation channel.
//
// Redis is never on the path that raises alerts: profile lookups answer
// "unavailable" within the Redis timeout, writes are parked during an outage
// and reconciled after it (AlertStateWriter), and a restore that cannot
// complete lets vitalsd start anyway (with a warning).
//
// Threads: the constructor, restore(), flush() and stop() from the thread
// that owns the daemon (not the event loop); everything else runs on the
// event loop.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/logger.h>

#include "config/config.h"
#include "store/alert_state_writer.h"
#include "store/profile_store.h"
#include "store/redis_client.h"
#include "store/redis_commands.h"
#include "store/state_restorer.h"

namespace vitalsd {

class Metrics;

class RedisState {
 public:
  RedisState(boost::asio::io_context& io, const RedisConfig& config, Metrics& metrics,
             spdlog::logger& log);
  ~RedisState();

  ProfileService& profiles() { return profile_store_; }
  AlertStateWriter& writer() { return writer_; }

  // Starts both connections. `on_patient_updated(id)` runs (on the event
  // loop) for each invalidation message; `on_resubscribed()` each time the
  // subscriber connection comes (back) up, when messages may have been missed.
  void start(std::function<void(std::string_view patient)> on_patient_updated,
             std::function<void()> on_resubscribed);

  // Reads the active alerts and last reading times; waits at most `timeout`.
  RestoredState restore(std::chrono::milliseconds timeout);

  // Waits until every write handed over so far has been answered, or
  // `deadline`; returns how many are left unwritten (parked or unanswered).
  std::size_t flush(std::chrono::steady_clock::time_point deadline);

  // Closes both connections. REQUIRES: the event loop has stopped.
  void stop();

 private:
  void schedule_reconcile();

  boost::asio::io_context& io_;
  const RedisConfig config_;
  spdlog::logger& log_;
  RedisClient client_;
  RedisClient subscriber_;
  RedisClientCommands commands_;
  ProfileStore profile_store_;
  AlertStateWriter writer_;
  StateRestorer restorer_;
  boost::asio::steady_timer reconcile_timer_;
};

}  // namespace vitalsd
