// SignalWatch: finds patients that have gone quiet, at a cost independent of
// how many patients are tracked.
//
// Patients are kept in an intrusive list in the order their last valid
// reading arrived: a reading moves its patient to the back (O(1)), and a
// sweep only looks at the front, stopping at the first patient still within
// `after` (O(expired)). Times are monotonic milliseconds (ingest's clock at
// receipt), so the list order is also last-seen order and a wall-clock step
// cannot make a whole ward look silent.
//
// Not thread-safe: owned by one worker's Analyzer.
#pragma once

#include <cstdint>

namespace vitalsd {

struct SignalWatchNode {
  SignalWatchNode() = default;
  // Linked by address: a node must never be copied or moved while linked.
  SignalWatchNode(const SignalWatchNode&) = delete;
  SignalWatchNode& operator=(const SignalWatchNode&) = delete;

  SignalWatchNode* prev = nullptr;
  SignalWatchNode* next = nullptr;
  bool linked = false;
  std::int64_t last_seen_ms = 0;  // monotonic ms when the last valid reading arrived
};

class SignalWatch {
 public:
  SignalWatch() = default;
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

  // Records a reading from the patient at `now_ms`: moves it to the back.
  void touch(SignalWatchNode& n, std::int64_t now_ms) {
    unlink(n);
    n.last_seen_ms = now_ms;
    n.prev = tail_;
    n.next = nullptr;
    if (tail_ != nullptr) tail_->next = &n;
    tail_ = &n;
    if (head_ == nullptr) head_ = &n;
    n.linked = true;
    ++size_;
  }

  void unlink(SignalWatchNode& n) {
    if (!n.linked) return;
    (n.prev != nullptr ? n.prev->next : head_) = n.next;
    (n.next != nullptr ? n.next->prev : tail_) = n.prev;
    n.prev = n.next = nullptr;
    n.linked = false;
    --size_;
  }

  // Unlinks and hands to on_quiet(node) every patient last seen at or before
  // now_ms - after_ms. A patient is reported once per silence: a new reading
  // (touch) is what puts it back under watch.
  template <class F>
  void sweep(std::int64_t now_ms, std::int64_t after_ms, F&& on_quiet) {
    while (head_ != nullptr && head_->last_seen_ms <= now_ms - after_ms) {
      SignalWatchNode& n = *head_;
      unlink(n);
      on_quiet(n);
    }
  }

  std::size_t size() const { return size_; }

 private:
  SignalWatchNode* head_ = nullptr;  // least recently seen
  SignalWatchNode* tail_ = nullptr;  // most recently seen
  std::size_t size_ = 0;
};

}  // namespace vitalsd
