#include "notify/notifier.h"

#include "notify/alert_json.h"
#include "telemetry/metrics.h"

namespace vitalsd {
namespace {
constexpr auto kRetryPause = std::chrono::milliseconds(100);
}

Notifier::Notifier(MessagePublisher& publisher, std::string alert_topic_prefix,
                   const Clock& clock, Metrics& metrics, spdlog::logger& log,
                   AlertRecorder* recorder)
    : publisher_(publisher),
      recorder_(recorder),
      topic_prefix_(std::move(alert_topic_prefix)),
      clock_(clock),
      metrics_(metrics),
      log_(log) {}

Notifier::~Notifier() {
  queue_.close();
  if (thread_.joinable()) thread_.join();
}

void Notifier::emit(const AlertEvent& event) {
  {
    std::lock_guard lock(mutex_);
    ++unacked_;
  }
  metrics_.notify().pending.fetch_add(1, std::memory_order_relaxed);
  queue_.push(event);
}

void Notifier::start() {
  thread_ = std::thread([this] { run(); });
}

void Notifier::run() {
  std::vector<AlertEvent> batch;
  while (queue_.pop_all(batch)) {
    for (const AlertEvent& e : batch) publish(e, true);
    std::deque<AlertEvent> retry;
    {
      std::lock_guard lock(mutex_);
      retry.swap(retry_);
    }
    if (!retry.empty()) {
      // The connection refused these; give it a moment rather than spin.
      std::this_thread::sleep_for(kRetryPause);
      for (const AlertEvent& e : retry) publish(e, false);
    }
  }
}

void Notifier::publish(const AlertEvent& e, bool first_attempt) {
  encode_alert_json(e, json_);
  // Recorded once per transition, with the same JSON as the MQTT message.
  if (first_attempt && recorder_ != nullptr) recorder_->record(e, json_);
  topic_.assign(topic_prefix_);
  topic_ += '/';
  topic_.append(e.patient.view());
  const bool accepted =
      publisher_.publish(topic_, json_, 1, [this, e](bool delivered) { completed(e, delivered); });
  if (accepted) return;
  {
    std::lock_guard lock(mutex_);
    retry_.push_back(e);
  }
  queue_.wake();  // come back for it even if no new alert arrives
}

void Notifier::completed(const AlertEvent& e, bool delivered) {
  if (!delivered) {
    metrics_.notify().publish_failures.fetch_add(1, std::memory_order_relaxed);
    log_.warn("alert {} ({} {} for {}) not acknowledged by the broker; retrying", e.id.view(),
              e.rule.view(), alert_state_name(e.state), e.patient.view());
    {
      std::lock_guard lock(mutex_);
      retry_.push_back(e);
    }
    queue_.wake();
    return;
  }
  metrics_.count_alert(e.rule.view(), e.severity, e.state);
  metrics_.notify().pending.fetch_sub(1, std::memory_order_relaxed);
  if (e.received_mono_ns != 0) {
    metrics_.notify().alert_publish_seconds.observe(
        static_cast<double>(clock_.mono_ns() - e.received_mono_ns) * 1e-9);
  }
  std::lock_guard lock(mutex_);
  if (--unacked_ == 0) settled_.notify_all();
}

std::size_t Notifier::stop(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  settled_.wait_until(lock, deadline, [this] { return unacked_ == 0; });
  const std::size_t left = unacked_;
  lock.unlock();
  queue_.close();
  if (thread_.joinable()) thread_.join();
  return left;
}

}  // namespace vitalsd
