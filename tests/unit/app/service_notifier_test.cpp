#include "app/service_notifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vitalsd {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class RecordingSocket final : public NotifySocket {
 public:
  void send(const std::string& message) override { sent.push_back(message); }
  std::vector<std::string> sent;
};

class ServiceNotifierTest : public ::testing::Test {
 protected:
  ServiceNotifier make(std::vector<std::string> conditions) {
    return ServiceNotifier(socket_, clock_, std::move(conditions));
  }
  RecordingSocket socket_;
  FakeClock clock_;
};

TEST_F(ServiceNotifierTest, ReadyOnlyOnceEveryConditionIsMet) {
  auto n = make({"subscribed", "state_restored"});
  n.condition_met("subscribed", "half way");
  EXPECT_THAT(socket_.sent, IsEmpty());
  EXPECT_FALSE(n.ready());
  n.condition_met("state_restored", "all set");
  EXPECT_THAT(socket_.sent, ElementsAre("READY=1\nSTATUS=all set"));
  EXPECT_TRUE(n.ready());
}

TEST_F(ServiceNotifierTest, ALaterResubscriptionOnlyUpdatesTheStatus) {
  auto n = make({"subscribed"});
  n.condition_met("subscribed", "first");
  n.condition_met("subscribed", "again after a reconnect");
  EXPECT_THAT(socket_.sent, ElementsAre("READY=1\nSTATUS=first", "STATUS=again after a reconnect"));
}

TEST_F(ServiceNotifierTest, AReloadIsBracketedByReloadingAndReady) {
  auto n = make({"subscribed"});
  n.condition_met("subscribed", "up");
  clock_.advance(std::chrono::milliseconds(1500));
  n.reloading();
  n.reloaded("generation 2");
  EXPECT_THAT(socket_.sent, ElementsAre("READY=1\nSTATUS=up",
                                        "RELOADING=1\nSTATUS=reloading configuration and rules\n"
                                        "MONOTONIC_USEC=1500000",
                                        "READY=1\nSTATUS=generation 2"));
}

TEST_F(ServiceNotifierTest, AReloadDuringStartUpDoesNotClaimReadiness) {
  auto n = make({"subscribed"});
  n.reloading();
  n.reloaded("generation 2");
  EXPECT_THAT(socket_.sent, IsEmpty());
  n.condition_met("subscribed", "up");
  EXPECT_THAT(socket_.sent, ElementsAre("READY=1\nSTATUS=up"));
}

TEST_F(ServiceNotifierTest, NothingClaimsReadinessAfterStopping) {
  auto n = make({"subscribed"});
  n.condition_met("subscribed", "up");
  n.reloading();
  n.stopping("draining");
  n.reloaded("generation 2");           // the reload in progress finishes
  n.condition_met("subscribed", "up");  // a reconnect during the drain
  n.reloading();
  n.stopping("draining");
  EXPECT_THAT(socket_.sent, ElementsAre("READY=1\nSTATUS=up",
                                        "RELOADING=1\nSTATUS=reloading configuration and rules\n"
                                        "MONOTONIC_USEC=0",
                                        "STOPPING=1\nSTATUS=draining"));
  EXPECT_FALSE(n.ready());
}

TEST_F(ServiceNotifierTest, WatchdogPingsGoOutInAnyPhase) {
  auto n = make({"subscribed"});
  n.watchdog();
  n.condition_met("subscribed", "up");
  n.watchdog();
  n.stopping("draining");
  n.watchdog();
  EXPECT_THAT(socket_.sent, ElementsAre("WATCHDOG=1", "READY=1\nSTATUS=up", "WATCHDOG=1",
                                        "STOPPING=1\nSTATUS=draining", "WATCHDOG=1"));
}

}  // namespace
}  // namespace vitalsd
