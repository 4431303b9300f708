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

class Notifier final : public AlertSink {
 public:
  Notifier(MessagePublisher& publisher, std::string alert_topic_prefix, const Clock& clock,
           Metrics& metrics, spdlog::logger& log);
  ~Notifier() override;

  void emit(const AlertEvent& event) override;  // never blocks for long

  void start();

  // Publishes everything emitted so far and waits until the broker has
  // acknowledged all of it or `deadline` passes. Returns the number of alerts
  // not acknowledged (0 = clean). Call after the workers have stopped.
  std::size_t stop(std::chrono::steady_clock::time_point deadline);

 private:
  void run();
  void publish(const AlertEvent& e);
  void completed(const AlertEvent& e, bool delivered);

  MessagePublisher& publisher_;
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
