// ServiceControl: vitalsd's side of being a service (SPEC §7): readiness,
// reload on SIGHUP, the watchdog, and saying that it stops. It assembles
// ServiceNotifier (sd_notify), Reloader and Watchdog so that the daemon's
// wiring needs only a handful of calls:
//
//   ServiceControl service(config, rules, pool, metrics, clock, log);
//   ... subscription granted:  service.condition_met(kReadySubscribed);
//   ... SIGHUP:                service.reload();
//   ... SIGTERM/SIGINT:        service.stopping();
//   service.start(io);   before the event loop runs
//   service.stop();      after the event loop has stopped, before `io` dies
//
// Threads: condition_met() from any thread; reload() and stopping() from the
// event loop (any thread works); start()/stop() from the owner.
#pragma once

#include <memory>
#include <string_view>

#include <spdlog/logger.h>
#include <boost/asio/io_context.hpp>

#include "app/reloader.h"
#include "app/service_notifier.h"
#include "app/watchdog.h"
#include "common/clock.h"
#include "config/config.h"
#include "dispatch/rules_broadcast.h"

namespace vitalsd {

class Metrics;
class WorkerPool;

class ServiceControl {
 public:
  ServiceControl(const Config& config, RulesBroadcast& rules, WorkerPool& pool, Metrics& metrics,
                 const Clock& clock, spdlog::logger& log);
  ~ServiceControl();
  ServiceControl(const ServiceControl&) = delete;
  ServiceControl& operator=(const ServiceControl&) = delete;

  // Starts the reload thread and the watchdog timer on `io` (the event loop).
  void start(boost::asio::io_context& io);

  // One readiness condition is met; READY=1 goes out once all are.
  void condition_met(std::string_view condition);

  // Starts a reload, or queues one behind the reload in progress.
  void reload() { reloader_.request(); }

  // Shutdown begins: STOPPING=1, and no reload starts any more.
  void stopping();

  // Joins the reload thread and drops the watchdog timer. REQUIRES: the event
  // loop has stopped; `io` is still alive. Idempotent.
  void stop();

 private:
  RulesBroadcast& rules_;
  WorkerPool& pool_;
  Metrics& metrics_;
  const Clock& clock_;
  spdlog::logger& log_;
  SdNotifySocket socket_;
  ServiceNotifier notifier_;
  Reloader reloader_;
  std::unique_ptr<Watchdog> watchdog_;  // created by start()
};

}  // namespace vitalsd
