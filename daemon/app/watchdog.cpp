#include "app/watchdog.h"

#include <boost/asio/post.hpp>

namespace vitalsd {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// Without systemd nobody restarts vitalsd, so there is no interval to fit;
// this only decides how soon a stuck worker is reported in the log.
constexpr nanoseconds kStallLimitWithoutSystemd = std::chrono::seconds(10);

}  // namespace

Watchdog::Timing Watchdog::timing_for(std::optional<std::chrono::microseconds> systemd_interval) {
  if (!systemd_interval) {
    return {kStallLimitWithoutSystemd / 2, kStallLimitWithoutSystemd, false};
  }
  const nanoseconds interval = *systemd_interval;
  return {interval / 4, interval / 2, true};
}

Watchdog::Watchdog(boost::asio::io_context& io, Timing timing, Sampler sample, const Clock& clock,
                   ServiceNotifier& service, spdlog::logger& log)
    : timing_(timing),
      sample_(std::move(sample)),
      clock_(clock),
      service_(service),
      log_(log),
      timer_(io),
      health_(timing.stall_limit) {}

void Watchdog::start() {
  if (timing_.ping) {
    log_.info("watchdog: systemd expects a ping every {} ms; checking the workers every {} ms",
              duration_cast<milliseconds>(timing_.tick * 4).count(),
              duration_cast<milliseconds>(timing_.tick).count());
  }
  // Every check, the first included, runs on the event loop.
  boost::asio::post(timer_.get_executor(), [this] { check(); });
}

void Watchdog::check() {
  sample_(samples_);
  const auto verdict = health_.observe(samples_, nanoseconds(clock_.mono_ns()));
  if (verdict.changed && !verdict.healthy) {
    const StuckWorker& s = *verdict.stuck;
    log_.error(
        "watchdog: worker {} has had readings queued ({} now) for {} ms without finishing one; "
        "the pipeline is unhealthy{}",
        s.worker, s.depth, duration_cast<milliseconds>(s.stalled_for).count(),
        timing_.ping ? ", so systemd watchdog pings stop" : "");
  } else if (verdict.changed) {
    log_.warn("watchdog: every worker is making progress again{}",
              timing_.ping ? "; systemd watchdog pings resume" : "");
  }
  if (verdict.healthy && timing_.ping) service_.watchdog();
  schedule();
}

void Watchdog::schedule() {
  timer_.expires_after(timing_.tick);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) check();
  });
}

}  // namespace vitalsd
