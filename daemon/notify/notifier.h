// Notifier: the one thread that turns alert transitions into messages on the
// notification channel (SPEC §5).
//
// Workers emit() into an unbounded queue, so a slow or absent broker never
// stalls analysis: the queue and Paho's offline buffer absorb it, and
// vitalsd_alert_publish_pending and _seconds show it. The notifier never
// waits for broker acks on its normal path; completions arrive as callbacks.
//
// Order: transitions are handed to the connection strictly in the order they
// were emitted. If the connection refuses one (its buffer is full), nothing
// behind it is published until it is accepted (with a growing pause, not a
// spin), so no consumer sees `cleared` before `raised`. A message the broker
// accepted and then failed (e.g. it lost the session) is published again; it
// may then arrive after transitions emitted later: consumers should order by
// `emitted_ts` and treat (id, state) as a transition's identity.
//
// Threads: emit() from any worker; start()/stop() from the owner; delivery
// callbacks from the MQTT client's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "analysis/alert_event.h"
#include "common/clock.h"
#include "dispatch/batch_queue.h"
#include "notify/alert_recorder.h"
#include "notify/message_publisher.h"
#include "telemetry/log_throttle.h"

namespace vitalsd {

class Metrics;

class Notifier final : public AlertSink {
 public:
  // `recorder` may be null (Redis disabled).
  Notifier(MessagePublisher& publisher, std::string alert_topic_prefix, const Clock& clock,
           Metrics& metrics, spdlog::logger& log, AlertRecorder* recorder = nullptr);
  ~Notifier() override;

  void emit(const AlertEvent& event) override;  // never blocks for long

  void start();

  // Publishes everything emitted so far and waits until the broker has
  // acknowledged all of it or `deadline` passes. Returns the number of alerts
  // not acknowledged (0 = clean). Call after the workers have stopped.
  std::size_t stop(std::chrono::steady_clock::time_point deadline);

 private:
  void run();
  // False if the connection refused it (try again later).
  bool publish(const AlertEvent& e);
  void completed(const AlertEvent& e, bool delivered);

  MessagePublisher& publisher_;
  AlertRecorder* const recorder_;
  const std::string topic_prefix_;
  const Clock& clock_;
  Metrics& metrics_;
  spdlog::logger& log_;

  BatchQueue<AlertEvent> queue_{0};  // unbounded: workers must never wait on the broker
  std::thread thread_;
  std::atomic<bool> give_up_{false};  // stop()'s deadline passed: stop retrying
  std::string json_;   // reused encode buffer (notifier thread only)
  std::string topic_;  // reused topic buffer (notifier thread only)

  std::mutex mutex_;  // guards unacked_, failed_ and failure_log_
  std::condition_variable settled_;
  std::size_t unacked_ = 0;       // emitted, not yet acknowledged by the broker
  std::deque<AlertEvent> failed_;  // accepted, then failed: to publish again
  LogThrottle<1> failure_log_;
};

}  // namespace vitalsd
