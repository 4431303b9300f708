// Lock-free statistics for the per-reading hot path.
//
// Each block is written by exactly one thread (the ingest thread, or one
// worker) and read by the metrics scrape from another. With a single writer
// an increment needs no atomic read-modify-write: a relaxed load and store
// keep the value coherent for readers at the cost of a plain add.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "ingest/rejection.h"

namespace vitalsd {

// Single-writer counter. REQUIRES: inc() is only called from one thread.
class OwnedCounter {
 public:
  void inc(std::uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// Single-writer gauge.
class OwnedGauge {
 public:
  void set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

// Latency histogram with buckets from 10 µs to 60 s. A healthy pipeline
// evaluates a reading in tens of microseconds and gets an alert acknowledged
// by a local broker in about a millisecond, so the low end is fine-grained
// enough for quantiles there; a stalled broker or a reconnect shows up in the
// seconds-to-a-minute buckets instead of all landing in +Inf.
inline constexpr std::array<double, 21> kLatencyBucketsSeconds = {
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,    0.1,      0.25,    0.5,    1.0,     2.5,    5.0,   10.0,   30.0,  60.0};

// REQUIRES: observe() from one thread at a time (single writer), or use
// SharedLatencyHistogram.
template <bool kShared>
class BasicLatencyHistogram {
 public:
  void observe(double seconds) {
    std::size_t i = 0;
    while (i < kLatencyBucketsSeconds.size() && seconds > kLatencyBucketsSeconds[i]) ++i;
    add(buckets_[i], 1);
    add(count_, 1);
    if constexpr (kShared) {
      double sum = sum_.load(std::memory_order_relaxed);
      while (!sum_.compare_exchange_weak(sum, sum + seconds, std::memory_order_relaxed)) {
      }
    } else {
      sum_.store(sum_.load(std::memory_order_relaxed) + seconds, std::memory_order_relaxed);
    }
  }

  // Per-bucket (not cumulative) counts; the last is +Inf.
  std::uint64_t bucket(std::size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  static void add(std::atomic<std::uint64_t>& a, std::uint64_t n) {
    if constexpr (kShared) {
      a.fetch_add(n, std::memory_order_relaxed);
    } else {
      a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
  }

  std::array<std::atomic<std::uint64_t>, kLatencyBucketsSeconds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

using LatencyHistogram = BasicLatencyHistogram<false>;
using SharedLatencyHistogram = BasicLatencyHistogram<true>;

// Written by the ingest thread (Paho's delivery thread).
struct alignas(64) IngestStats {
  OwnedCounter received;
  std::array<OwnedCounter, kRejectReasonCount> rejected;
  OwnedCounter queue_full_waits;
  OwnedCounter acks_invalid;  // acknowledgements that could not be parsed
};

// Written by one worker thread.
struct alignas(64) WorkerStats {
  OwnedCounter processed;
  LatencyHistogram processing_seconds;  // receive -> evaluated
  OwnedGauge patients;
  std::array<OwnedGauge, 3> active_alerts;  // by severity, index 0 = low
  std::array<OwnedGauge, 3> acks;           // by AckResult (running totals from the Analyzer)
  OwnedGauge duplicates;  // redelivered readings recognised and skipped (a running total)
};

// Written by the notifier and by the MQTT client's completion callbacks.
struct alignas(64) NotifyStats {
  SharedLatencyHistogram alert_publish_seconds;  // receive -> alert acknowledged by broker
  std::atomic<std::uint64_t> publish_failures{0};
  std::atomic<std::int64_t> pending{0};  // alerts emitted, not yet acknowledged by the broker
};

}  // namespace vitalsd
