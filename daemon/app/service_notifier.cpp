#include "app/service_notifier.h"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <system_error>

namespace vitalsd {

void SdNotifySocket::send(const std::string& message) {
  // unset_environment = 0: WATCHDOG_USEC must stay readable, and vitalsd
  // starts no children that could inherit NOTIFY_SOCKET by mistake.
  const int rc = sd_notify(0, message.c_str());
  if (rc < 0 && !failure_logged_.exchange(true)) {
    log_.warn("systemd notify failed ({}); the service manager may consider vitalsd hung",
              std::error_code(-rc, std::generic_category()).message());
  }
}

std::optional<std::chrono::microseconds> systemd_watchdog_interval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec);
}

ServiceNotifier::ServiceNotifier(NotifySocket& socket, const Clock& clock,
                                 std::vector<std::string> readiness_conditions)
    : socket_(socket), clock_(clock), waiting_for_(std::move(readiness_conditions)) {}

void ServiceNotifier::condition_met(std::string_view condition, std::string_view status) {
  std::lock_guard lock(mutex_);
  std::erase(waiting_for_, condition);
  if (phase_ == Phase::stopping) return;
  if (phase_ != Phase::starting) {
    socket_.send("STATUS=" + std::string(status));
    return;
  }
  if (!waiting_for_.empty()) return;
  phase_ = Phase::ready;
  socket_.send("READY=1\nSTATUS=" + std::string(status));
}

void ServiceNotifier::reloading() {
  std::lock_guard lock(mutex_);
  if (phase_ != Phase::ready) return;
  phase_ = Phase::reloading;
  socket_.send("RELOADING=1\nSTATUS=reloading configuration and rules\nMONOTONIC_USEC=" +
               std::to_string(clock_.mono_ns() / 1000));
}

void ServiceNotifier::reloaded(std::string_view status) {
  std::lock_guard lock(mutex_);
  if (phase_ != Phase::reloading) return;
  phase_ = Phase::ready;
  socket_.send("READY=1\nSTATUS=" + std::string(status));
}

void ServiceNotifier::stopping(std::string_view status) {
  std::lock_guard lock(mutex_);
  if (phase_ == Phase::stopping) return;
  phase_ = Phase::stopping;
  socket_.send("STOPPING=1\nSTATUS=" + std::string(status));
}

void ServiceNotifier::watchdog() {
  std::lock_guard lock(mutex_);
  socket_.send("WATCHDOG=1");
}

bool ServiceNotifier::ready() const {
  std::lock_guard lock(mutex_);
  return phase_ == Phase::ready || phase_ == Phase::reloading;
}

}  // namespace vitalsd
