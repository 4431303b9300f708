#include "app/service_control.h"

#include <string>

#include "dispatch/worker_pool.h"
#include "telemetry/metrics.h"

namespace vitalsd {

ServiceControl::ServiceControl(const Config& config, RulesBroadcast& rules, WorkerPool& pool,
                               Metrics& metrics, const Clock& clock, spdlog::logger& log)
    : rules_(rules),
      pool_(pool),
      metrics_(metrics),
      clock_(clock),
      log_(log),
      socket_(log),
      // The seam for later readiness conditions (Redis state restored): add
      // them here and have their owner call condition_met().
      notifier_(socket_, clock, {std::string(kReadySubscribed)}),
      reloader_(
          config, rules, [&pool] { pool.wake_all(); }, metrics, notifier_, log) {}

ServiceControl::~ServiceControl() { stop(); }

void ServiceControl::start(boost::asio::io_context& io) {
  reloader_.start();
  watchdog_ = std::make_unique<Watchdog>(
      io, Watchdog::timing_for(systemd_watchdog_interval()),
      [this](std::vector<WorkerSample>& samples) {
        samples.resize(pool_.size());
        for (unsigned i = 0; i < pool_.size(); ++i) {
          samples[i] = {pool_.depth(i), metrics_.worker(i).processed.value()};
        }
      },
      clock_, notifier_, log_);
  watchdog_->start();
}

void ServiceControl::condition_met(std::string_view condition) {
  notifier_.condition_met(condition, std::string(condition) + "; " + std::to_string(pool_.size()) +
                                         " workers; rules generation " +
                                         std::to_string(rules_.generation()));
}

void ServiceControl::stopping() {
  notifier_.stopping("stopping: draining the queues");
  reloader_.close();
}

void ServiceControl::stop() {
  reloader_.stop();
  watchdog_.reset();
}

}  // namespace vitalsd
