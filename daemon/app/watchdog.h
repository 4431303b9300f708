// Watchdog: judges the pipeline's health on the event loop and, when systemd
// asked for a watchdog (WatchdogSec=), pings it only while the pipeline is
// healthy, so that a wedged worker gets vitalsd restarted.
//
// Every `tick` it samples each worker's queue depth and processed count and
// asks PipelineHealth for a verdict. It logs once when the pipeline turns
// unhealthy (naming the stuck worker) and once when it recovers. The pings
// come from the event loop's own timer, so a wedged event loop stops them too.
//
// Timing under systemd: tick = WatchdogSec/4 and stall limit = WatchdogSec/2,
// so a healthy daemon pings four times per interval and a worker stuck with
// readings waiting stops the pings after at most WatchdogSec/2 + one tick;
// systemd then kills vitalsd WatchdogSec after the last ping. Without a
// systemd watchdog the same judgement runs (stall limit 10 s) and only logs.
//
// Threads: construct, start() and destroy on the owner while the event loop
// is not running, or on the event loop itself.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include <spdlog/logger.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "app/pipeline_health.h"
#include "app/service_notifier.h"
#include "common/clock.h"

namespace vitalsd {

class Watchdog {
 public:
  struct Timing {
    std::chrono::nanoseconds tick;
    std::chrono::nanoseconds stall_limit;
    bool ping;  // systemd asked for WATCHDOG=1
  };
  // For systemd's WatchdogSec (or none).
  static Timing timing_for(std::optional<std::chrono::microseconds> systemd_interval);

  // Fills one sample per worker, index = worker number.
  using Sampler = std::function<void(std::vector<WorkerSample>&)>;

  Watchdog(boost::asio::io_context& io, Timing timing, Sampler sample, const Clock& clock,
           ServiceNotifier& service, spdlog::logger& log);

  // Judges (and pings) as soon as the event loop runs, then every tick.
  void start();

 private:
  void check();
  void schedule();

  const Timing timing_;
  const Sampler sample_;
  const Clock& clock_;
  ServiceNotifier& service_;
  spdlog::logger& log_;
  boost::asio::steady_timer timer_;
  PipelineHealth health_;
  std::vector<WorkerSample> samples_;  // reused every tick
};

}  // namespace vitalsd
