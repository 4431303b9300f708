// ServiceNotifier: tells the service manager what state vitalsd is in, over
// systemd's notify protocol (sd_notify(3); SPEC §7).
//
//   READY=1      once every readiness condition is met (the readings
//                subscription is live; later also Redis state restored)
//   RELOADING=1  when a reload starts, READY=1 when it is over (either way)
//   STOPPING=1   when shutdown starts
//   WATCHDOG=1   whenever the watchdog says the pipeline is healthy
//
// It keeps the order systemd relies on: nothing claims readiness before
// start-up is complete (a SIGHUP during start-up must not send READY=1), and
// nothing after STOPPING=1 claims readiness again.
//
// Threads: every method may be called from any thread (the MQTT callback
// thread, the reloader, the event loop); one mutex keeps messages in order.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>

#include "common/clock.h"

namespace vitalsd {

// Where notify messages go. Best effort: systemd cannot answer.
class NotifySocket {
 public:
  virtual ~NotifySocket() = default;
  // One datagram of newline-separated assignments, e.g. "READY=1\nSTATUS=...".
  virtual void send(const std::string& message) = 0;
};

// The real socket: sd_notify(3), which does nothing when NOTIFY_SOCKET is
// unset (vitalsd not started by systemd, or Type= is not notify).
class SdNotifySocket final : public NotifySocket {
 public:
  explicit SdNotifySocket(spdlog::logger& log) : log_(log) {}
  void send(const std::string& message) override;

 private:
  spdlog::logger& log_;
  std::atomic<bool> failure_logged_{false};  // log the first failure only
};

// The watchdog interval systemd set (WatchdogSec= reaches the process as
// WATCHDOG_USEC, for WATCHDOG_PID if set), or nullopt if there is none.
std::optional<std::chrono::microseconds> systemd_watchdog_interval();

// Readiness conditions. The Redis state restore will add its own.
inline constexpr std::string_view kReadySubscribed = "subscribed";

class ServiceNotifier {
 public:
  // READY=1 is sent once every condition in `readiness_conditions` was met.
  // `clock` stamps RELOADING=1 with MONOTONIC_USEC (required by systemd >= 253's
  // Type=notify-reload, harmless before).
  ServiceNotifier(NotifySocket& socket, const Clock& clock,
                  std::vector<std::string> readiness_conditions);

  // Marks `condition` met. The first time all are met, sends READY=1 with
  // STATUS=`status`; later calls (a resubscription after a reconnect) only
  // update STATUS.
  void condition_met(std::string_view condition, std::string_view status);

  // Brackets a reload. Outside the ready state (still starting, or stopping)
  // both are silent: systemd ignores RELOADING=1 while a service starts and
  // would take the READY=1 that follows as the end of start-up.
  void reloading();
  void reloaded(std::string_view status);

  void stopping(std::string_view status);
  void watchdog();

  bool ready() const;

 private:
  enum class Phase { starting, ready, reloading, stopping };

  NotifySocket& socket_;
  const Clock& clock_;
  mutable std::mutex mutex_;              // guards everything below, and orders the messages
  std::vector<std::string> waiting_for_;  // conditions not met yet
  Phase phase_ = Phase::starting;
};

}  // namespace vitalsd
