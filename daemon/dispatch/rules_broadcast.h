// RulesBroadcast: hands a new immutable RuleSet to every worker at once.
//
// The C++ counterpart of closing a broadcast channel: publish() swaps the
// shared snapshot and bumps the generation; each worker compares the
// generation (one relaxed load) before every reading and picks up the new
// snapshot between readings. No reading is ever judged half by one rule set
// and half by another, and none waits for the swap.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "analysis/rule_set.h"

namespace vitalsd {

class RulesBroadcast {
 public:
  explicit RulesBroadcast(std::shared_ptr<const RuleSet> initial)
      : current_(std::move(initial)) {}

  // Thread-safe. Returns the new generation.
  std::uint64_t publish(std::shared_ptr<const RuleSet> rules) {
    std::lock_guard lock(mutex_);
    current_ = std::move(rules);
    return generation_.fetch_add(1, std::memory_order_release) + 1;
  }

  // Cheap enough to call per reading.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // The snapshot and its generation, read together.
  std::shared_ptr<const RuleSet> current(std::uint64_t* generation = nullptr) const {
    std::lock_guard lock(mutex_);
    if (generation != nullptr) *generation = generation_.load(std::memory_order_relaxed);
    return current_;
  }

 private:
  mutable std::mutex mutex_;  // guards current_ (and pairs it with generation_)
  std::shared_ptr<const RuleSet> current_;
  std::atomic<std::uint64_t> generation_{1};
};

}  // namespace vitalsd
