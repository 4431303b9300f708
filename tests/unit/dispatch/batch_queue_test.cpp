#include "dispatch/batch_queue.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace vitalsd {
namespace {

using namespace std::chrono_literals;
constexpr auto kBound = 10s;  // generous bound for waits that should finish at once

TEST(BatchQueue, PopAllTakesEverythingInOrder) {
  BatchQueue<int> q(10);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(q.push(i), BatchQueue<int>::PushResult::ok);
  EXPECT_EQ(q.depth(), 5u);
  std::vector<int> batch;
  ASSERT_TRUE(q.pop_all(batch));
  EXPECT_EQ(batch, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(q.depth(), 0u);
}

TEST(BatchQueue, FullQueueMakesTheProducerWaitUntilTheConsumerTakesABatch) {
  BatchQueue<int> q(2);
  q.push(1);
  q.push(2);
  auto producer = std::async(std::launch::async, [&] { return q.push(3); });
  const auto until = std::chrono::steady_clock::now() + kBound;
  while (q.waiting_producers() == 0) {
    ASSERT_LT(std::chrono::steady_clock::now(), until) << "producer never blocked";
    std::this_thread::yield();
  }
  std::vector<int> batch;
  ASSERT_TRUE(q.pop_all(batch));
  EXPECT_EQ(batch, (std::vector<int>{1, 2}));
  ASSERT_EQ(producer.wait_for(kBound), std::future_status::ready);
  EXPECT_EQ(producer.get(), BatchQueue<int>::PushResult::waited)
      << "the third push can only have completed after waiting for room";
  ASSERT_TRUE(q.pop_all(batch));
  EXPECT_EQ(batch, (std::vector<int>{3})) << "nothing is dropped to make room";
}

TEST(BatchQueue, UnboundedQueueNeverBlocks) {
  BatchQueue<int> q(0);
  for (int i = 0; i < 100'000; ++i) ASSERT_EQ(q.push(i), BatchQueue<int>::PushResult::ok);
  EXPECT_EQ(q.depth(), 100'000u);
}

TEST(BatchQueue, CloseLetsTheConsumerDrainThenStop) {
  BatchQueue<int> q(10);
  q.push(1);
  q.close();
  EXPECT_EQ(q.push(2), BatchQueue<int>::PushResult::closed);
  std::vector<int> batch;
  ASSERT_TRUE(q.pop_all(batch));
  EXPECT_EQ(batch, (std::vector<int>{1}));
  EXPECT_FALSE(q.pop_all(batch));
}

TEST(BatchQueue, CloseReleasesABlockedProducer) {
  BatchQueue<int> q(1);
  q.push(1);
  auto producer = std::async(std::launch::async, [&] { return q.push(2); });
  q.close();
  ASSERT_EQ(producer.wait_for(kBound), std::future_status::ready);
  EXPECT_EQ(producer.get(), BatchQueue<int>::PushResult::closed);
}

TEST(BatchQueue, WakeReturnsAnEmptyBatchToAWaitingConsumer) {
  BatchQueue<int> q(10);
  auto consumer = std::async(std::launch::async, [&] {
    std::vector<int> batch{99};
    const bool open = q.pop_all(batch);
    return std::make_pair(open, batch.size());
  });
  q.wake();
  ASSERT_EQ(consumer.wait_for(kBound), std::future_status::ready);
  EXPECT_EQ(consumer.get(), std::make_pair(true, std::size_t{0}));
}

TEST(BatchQueue, ManyProducersOneConsumerLoseNothing) {
  BatchQueue<int> q(16);
  constexpr int kPerProducer = 20'000;
  std::vector<std::thread> producers;
  for (int p = 0; p < 4; ++p) {
    producers.emplace_back([&q, p] {
      for (int i = 0; i < kPerProducer; ++i) q.push(p * kPerProducer + i);
    });
  }
  std::vector<int> seen(4 * kPerProducer, 0);
  std::vector<int> last(4, -1);
  std::vector<int> batch;
  int received = 0;
  while (received < 4 * kPerProducer && q.pop_all(batch)) {
    for (int v : batch) {
      ++seen[v];
      const int p = v / kPerProducer;
      EXPECT_GT(v, last[p]) << "per-producer order is kept";
      last[p] = v;
    }
    received += static_cast<int>(batch.size());
  }
  for (auto& t : producers) t.join();
  EXPECT_EQ(received, 4 * kPerProducer);
  for (int v = 0; v < 4 * kPerProducer; ++v) ASSERT_EQ(seen[v], 1) << v;
}

// Takes a batch of two, so the consumer's next wait is a nap.
void start_streaming(BatchQueue<int>& q) {
  std::vector<int> batch;
  q.push(0);
  q.push(0);
  ASSERT_TRUE(q.pop_all(batch));
}

// One pop_all() on another thread; yields what it took.
std::future<std::vector<int>> pop_in_background(BatchQueue<int>& q) {
  return std::async(std::launch::async, [&q] {
    std::vector<int> got;
    q.pop_all(got);
    return got;
  });
}

// Coalesced wake-ups: a consumer that has just taken a batch naps for the
// window, and producers do not wake it for a single item. Whatever they push
// must still arrive, in order, and wake() / close() must still cut a nap short.
TEST(BatchQueue, GivenCoalescing_WhenItemsTrickleIn_ThenEachArrivesInOrder) {
  BatchQueue<int> q(0, std::chrono::microseconds(2000));
  constexpr int kItems = 300;
  auto consumer = std::async(std::launch::async, [&] {
    std::vector<int> all, batch;
    const auto until = std::chrono::steady_clock::now() + kBound;
    while (static_cast<int>(all.size()) < kItems && std::chrono::steady_clock::now() < until) {
      q.pop_all(batch, std::chrono::steady_clock::now() + 100ms);
      all.insert(all.end(), batch.begin(), batch.end());
    }
    return all;
  });
  for (int i = 0; i < kItems; ++i) {
    q.push(i);
    if (i % 10 == 0) std::this_thread::sleep_for(100us);  // a trickle, not one burst
  }
  ASSERT_EQ(consumer.wait_for(kBound), std::future_status::ready);
  const std::vector<int> all = consumer.get();
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kItems));
  for (int i = 0; i < kItems; ++i) ASSERT_EQ(all[i], i);
}

TEST(BatchQueue, GivenANappingConsumer_WhenClosed_ThenPopAllReturnsFalse) {
  // A long window, so only close() can end the nap within the bound.
  BatchQueue<int> q(0, std::chrono::microseconds(60'000'000));
  std::vector<int> batch;
  q.push(1);
  q.push(2);
  ASSERT_TRUE(q.pop_all(batch));  // a batch of two was just taken: the next wait is a nap
  auto consumer = std::async(std::launch::async, [&] { return q.pop_all(batch); });
  ASSERT_EQ(consumer.wait_for(20ms), std::future_status::timeout) << "nothing to return yet";
  q.close();
  ASSERT_EQ(consumer.wait_for(kBound), std::future_status::ready);
  EXPECT_FALSE(consumer.get());
}

TEST(BatchQueue, GivenANappingConsumer_WhenManyItemsPileUp_ThenItIsWokenBeforeTheWindowEnds) {
  BatchQueue<int> q(0, std::chrono::microseconds(60'000'000));
  start_streaming(q);
  auto consumer = pop_in_background(q);
  for (int i = 0; i < 1000; ++i) q.push(i);  // well past the early-wake threshold
  ASSERT_EQ(consumer.wait_for(kBound), std::future_status::ready);
  EXPECT_FALSE(consumer.get().empty());
}

TEST(BatchQueue, GivenANappingConsumer_WhenTheQueueFills_ThenItIsWokenForTheWaitingProducers) {
  // Capacity below the early-wake count: "full" must wake it, or producers
  // would wait out the whole (here: one minute) window.
  BatchQueue<int> q(2, std::chrono::microseconds(60'000'000));
  start_streaming(q);
  auto consumer = pop_in_background(q);
  q.push(1);
  q.push(2);  // now full
  ASSERT_EQ(consumer.wait_for(kBound), std::future_status::ready);
  EXPECT_FALSE(consumer.get().empty());
}

TEST(BatchQueue, GivenANapThatFindsNothing_ThenTheConsumerSleepsUntilTheNextItem) {
  // Napping on after the stream paused would cost a wake-up per window for
  // nothing; the consumer must fall back to waiting for an item.
  BatchQueue<int> q(0, std::chrono::microseconds(5000));
  start_streaming(q);
  auto consumer = pop_in_background(q);
  const auto until = std::chrono::steady_clock::now() + kBound;
  while (!q.consumer_waiting_for_an_item() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(q.consumer_waiting_for_an_item());
  EXPECT_EQ(q.empty_naps(), 1u) << "napped on after the stream had paused";
  q.push(3);
  ASSERT_EQ(consumer.wait_for(kBound), std::future_status::ready);
  EXPECT_EQ(consumer.get(), std::vector<int>{3});
}

}  // namespace
}  // namespace vitalsd
