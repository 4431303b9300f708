#include "notify/notifier.h"

#include <pthread.h>

#include "notify/alert_json.h"
#include "telemetry/metrics.h"

namespace vitalsd {
namespace {
constexpr auto kFirstPause = std::chrono::milliseconds(50);
constexpr auto kMaxPause = std::chrono::seconds(2);
}  // namespace

Notifier::Notifier(MessagePublisher& publisher, std::string alert_topic_prefix,
                   const Clock& clock, Metrics& metrics, spdlog::logger& log,
                   AlertRecorder* recorder)
    : publisher_(publisher),
      recorder_(recorder),
      topic_prefix_(std::move(alert_topic_prefix)),
      clock_(clock),
      metrics_(metrics),
      log_(log),
      failure_log_(clock, std::chrono::seconds(10)) {}

Notifier::~Notifier() {
  give_up_ = true;
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
  pthread_setname_np(thread_.native_handle(), "notifier");  // top -H, gdb, /proc/*/task/*/comm
}

void Notifier::run() {
  using Clock = std::chrono::steady_clock;
  std::vector<AlertEvent> batch;
  std::deque<AlertEvent> backlog;  // not yet accepted by the connection, in emission order
  auto pause = kFirstPause;
  Clock::time_point retry_at = Clock::time_point::min();
  for (;;) {
    const bool open =
        queue_.pop_all(batch, backlog.empty() ? Clock::time_point::max() : retry_at);
    for (const AlertEvent& e : batch) {
      if (recorder_ != nullptr) {
        encode_alert_json(e, json_);
        recorder_->emitted(e, json_);
      }
      backlog.push_back(e);
    }
    {
      std::lock_guard lock(mutex_);
      // Failed after acceptance: they were emitted before anything still in
      // the backlog, so they go first.
      while (!failed_.empty()) {
        backlog.push_front(std::move(failed_.back()));
        failed_.pop_back();
      }
    }
    while (!backlog.empty() && Clock::now() >= retry_at && !give_up_) {
      if (!publish(backlog.front())) {
        retry_at = Clock::now() + pause;
        pause = std::min(pause * 2, std::chrono::duration_cast<decltype(pause)>(kMaxPause));
        break;
      }
      backlog.pop_front();
      pause = kFirstPause;
    }
    if (!open && (backlog.empty() || give_up_)) break;
  }
}

bool Notifier::publish(const AlertEvent& e) {
  encode_alert_json(e, json_);
  topic_.assign(topic_prefix_);
  topic_ += '/';
  topic_.append(e.patient.view());
  return publisher_.publish(topic_, json_, 1,
                            [this, e](bool delivered) { completed(e, delivered); });
}

void Notifier::completed(const AlertEvent& e, bool delivered) {
  if (!delivered) {
    metrics_.notify().publish_failures.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard lock(mutex_);
      std::uint64_t suppressed = 0;
      if (failure_log_.admit(0, &suppressed)) {
        log_.warn("alert {} ({} {} for {}) not acknowledged by the broker; publishing it again "
                  "[{} more such failures since last logged]",
                  e.id.hex().view(), e.rule.view(), alert_state_name(e.state), e.patient.view(),
                  suppressed);
      }
      if (!give_up_) failed_.push_back(e);
    }
    queue_.wake();
    return;
  }
  // Active state only once the broker has it (see AlertRecorder). The other
  // order errs safely: a crash after the PUBACK and before the Redis write
  // raises the alert again after the restart.
  if (recorder_ != nullptr) {
    std::string json;  // this runs on the MQTT client's thread: json_ is the notifier's
    encode_alert_json(e, json);
    recorder_->delivered(e, json);
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
  give_up_ = true;
  queue_.close();
  if (thread_.joinable()) thread_.join();
  return left;
}

}  // namespace vitalsd
