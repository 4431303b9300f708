// Notifier: the one thread that turns alert transitions into messages on the
// notification channel (SPEC §5).
//
// Workers emit() into an unbounded queue, so a slow or absent broker can
// never stall analysis (and, through back-pressure, ingest): the queue and
// Paho's offline buffer absorb it, and vitalsd_alert_publish_seconds and the
// pending count show it. The notifier never waits for broker acks on its
// normal path; completions arrive as callbacks. A message the connection
// refuses (buffer full) or that fails for good is retried until stop()'s
// deadline.
//
// Threads: emit() from any worker; start()/stop() from the owner.
#pragma once

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
#include "notify/message_publisher.h"

namespace vitalsd {

class Metrics;

// Where the notifier also records each transition, with the exact JSON it
// published (the Redis alert stream and active hash). Must not block.
class AlertRecorder {
 public:
  virtual ~AlertRecorder() = default;
  virtual void record(const AlertEvent& event, const std::string& json) = 0;
};

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
  void publish(const AlertEvent& e, bool first_attempt);
  void completed(const AlertEvent& e, bool delivered);

  MessagePublisher& publisher_;
  AlertRecorder* const recorder_;
  const std::string topic_prefix_;
  const Clock& clock_;
  Metrics& metrics_;
  spdlog::logger& log_;

  BatchQueue<AlertEvent> queue_{0};  // unbounded: workers must never wait on the broker
  std::thread thread_;
  std::string json_;   // reused encode buffer (notifier thread only)
  std::string topic_;  // reused topic buffer (notifier thread only)

  std::mutex mutex_;  // guards unacked_ and retry_
  std::condition_variable settled_;
  std::size_t unacked_ = 0;       // emitted, not yet acknowledged by the broker
  std::deque<AlertEvent> retry_;  // refused or failed; to publish again
};

}  // namespace vitalsd
