// BatchQueue<T>: a bounded multi-producer, single-consumer hand-off that the
// consumer drains a whole batch at a time.
//
// Producers append to `incoming_`; the consumer swaps the whole vector out
// with its own empty one, so one lock acquisition moves a batch and, after
// warm-up, nothing allocates (both vectors keep their capacity). Producers
// wake the consumer only when it is actually asleep, so a busy pipeline makes
// no futex calls per item.
//
// push() blocks while the queue holds `capacity` items: that is the
// back-pressure that reaches the MQTT broker. An unbounded queue (capacity 0)
// never blocks its producers.
//
// Coalesced wake-ups (optional `coalesce` window): under a steady stream the
// consumer would otherwise be woken once per item, and each wake-up costs the
// producer a futex call and often a context switch (measured: the largest
// cost vitalsd added per reading at 10k readings/s). While items come faster
// than about one per window, an idle consumer naps for one window instead,
// and producers leave it asleep unless kNapWakeItems items pile up. An item
// therefore waits at most one window longer than it would have.
//
// A nap is itself a wake-up, so it only pays while it finds something: the
// consumer naps after a batch of two or more items, or one taken within two
// windows of the batch before, and stops napping as soon as a nap comes back
// empty. It then sleeps until the next item wakes it, as without coalescing.
// (Napping on for four windows after every batch made the workers wake 3.5
// times per reading at a ward's pace, 1,000 readings/s over two workers;
// this way it is 1.06, and an item that finds its consumer waiting is
// taken at once instead of at the end of a nap.)
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <type_traits>
#include <vector>

namespace vitalsd {

template <class T>
class BatchQueue {
 public:
  // capacity 0 = unbounded; coalesce 0 = wake the consumer for every item.
  explicit BatchQueue(std::size_t capacity, std::chrono::microseconds coalesce = {})
      : capacity_(capacity), coalesce_(coalesce) {
    if (capacity_ > 0) incoming_.reserve(capacity_);
  }
  BatchQueue(const BatchQueue&) = delete;
  BatchQueue& operator=(const BatchQueue&) = delete;

  enum class PushResult { ok, waited, closed };

  // Appends `item`, waiting while the queue is full. Returns `waited` if it
  // had to wait for room, `closed` (item dropped) if close() was called.
  PushResult push(const T& item) {
    std::unique_lock lock(mutex_);
    bool waited = false;
    while (!closed_ && capacity_ > 0 && incoming_.size() >= capacity_) {
      waited = true;
      ++producers_waiting_;
      not_full_.wait(lock);
      --producers_waiting_;
    }
    if (closed_) return PushResult::closed;
    incoming_.push_back(item);
    depth_.store(incoming_.size(), std::memory_order_relaxed);
    // A full queue wakes a napping consumer too: producers are about to wait on it.
    const bool wake = consumer_waiting_ ||
                      (consumer_napping_ && (incoming_.size() >= kNapWakeItems ||
                                             (capacity_ > 0 && incoming_.size() >= capacity_)));
    lock.unlock();
    if (wake) not_empty_.notify_one();
    return waited ? PushResult::waited : PushResult::ok;
  }

  // Waits until there are items, wake() is called, the queue is closed or
  // `deadline` passes; then replaces `batch` with everything queued (possibly
  // nothing). Returns false once the queue is closed and empty.
  template <class Clock = std::chrono::steady_clock>
  bool pop_all(std::vector<T>& batch,
               typename Clock::time_point deadline = Clock::time_point::max()) {
    batch.clear();
    std::unique_lock lock(mutex_);
    while (incoming_.empty() && !closed_ && !woken_) {
      if constexpr (std::is_same_v<Clock, std::chrono::steady_clock>) {
        if (coalesce_.count() > 0 && streaming_) {
          consumer_napping_ = true;
          const auto until = std::min(deadline, Clock::now() + coalesce_);
          const bool timed_out = not_empty_.wait_until(lock, until) == std::cv_status::timeout;
          consumer_napping_ = false;
          if (timed_out && until == deadline) break;
          if (timed_out && incoming_.empty()) {  // the stream has paused
            streaming_ = false;
            ++empty_naps_;
          }
          continue;
        }
      }
      consumer_waiting_ = true;
      const bool timed_out = not_empty_.wait_until(lock, deadline) == std::cv_status::timeout;
      consumer_waiting_ = false;
      if (timed_out) break;
    }
    woken_ = false;
    if (incoming_.empty()) return !closed_;
    batch.swap(incoming_);
    depth_.store(0, std::memory_order_relaxed);
    if (coalesce_.count() > 0) {
      const auto now = std::chrono::steady_clock::now();
      streaming_ = batch.size() >= 2 || now - last_batch_at_ < 2 * coalesce_;
      last_batch_at_ = now;
    }
    const bool wake_producers = producers_waiting_ > 0;
    lock.unlock();
    if (wake_producers) not_full_.notify_all();
    return true;
  }

  // Makes the consumer's pending or next pop_all() return even if empty, so
  // it can look at out-of-band work (a new rule set, a timer tick).
  void wake() {
    std::unique_lock lock(mutex_);
    woken_ = true;
    const bool wake = consumer_waiting_ || consumer_napping_;
    lock.unlock();
    if (wake) not_empty_.notify_one();
  }

  // After close(), push() refuses new items; pop_all() still returns what is
  // queued, then false.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  // Producers currently blocked in push() waiting for room.
  int waiting_producers() const {
    std::lock_guard lock(mutex_);
    return producers_waiting_;
  }

  // True while the consumer sleeps until the next item (not napping, not
  // running): what a stream that has paused costs, for tests and debugging.
  bool consumer_waiting_for_an_item() const {
    std::lock_guard lock(mutex_);
    return consumer_waiting_;
  }

  // Naps that ended with nothing to take (each was a wake-up for nothing).
  std::uint64_t empty_naps() const {
    std::lock_guard lock(mutex_);
    return empty_naps_;
  }

  // Items queued and not yet taken by the consumer; readable from any thread.
  std::size_t depth() const { return depth_.load(std::memory_order_relaxed); }

 private:
  // A napping consumer is woken early once this many items wait.
  static constexpr std::size_t kNapWakeItems = 64;

  const std::size_t capacity_;
  const std::chrono::microseconds coalesce_;
  mutable std::mutex mutex_;  // guards everything below except depth_
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::vector<T> incoming_;
  bool closed_ = false;
  bool woken_ = false;
  bool consumer_waiting_ = false;  // asleep until the next item
  bool consumer_napping_ = false;  // asleep until its coalescing window ends
  std::chrono::steady_clock::time_point last_batch_at_{};
  bool streaming_ = false;  // items come often enough that the next wait is a nap
  std::uint64_t empty_naps_ = 0;
  int producers_waiting_ = 0;
  std::atomic<std::size_t> depth_{0};
};

}  // namespace vitalsd
