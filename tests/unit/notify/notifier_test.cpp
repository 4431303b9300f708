#include "notify/notifier.h"

#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <spdlog/sinks/null_sink.h>

#include "notify/alert_recorder.h"
#include "telemetry/metrics.h"
#include "test_support.h"

namespace vitalsd {
namespace {

using namespace std::chrono_literals;
using testing::FakePublisher;

AlertEvent alert(std::string_view patient, AlertState state) {
  AlertEvent e;
  e.id = *AlertId::parse("0123456789abcdef0123456789abcdef");
  e.patient = PatientId(patient);
  e.rule = RuleName("spo2_low");
  e.metric = "spo2";
  e.state = state;
  e.severity = Severity::medium;
  return e;
}

class NotifierTest : public ::testing::Test {
 protected:
  FakeClock clock;
  FakePublisher publisher;
  Metrics metrics{1};
  spdlog::logger log{"test", std::make_shared<spdlog::sinks::null_sink_mt>()};

  // Waits (bounded) until the fake has seen n messages.
  bool wait_for_messages(std::size_t n) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (publisher.messages().size() < n) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::yield();
    }
    return true;
  }
};

TEST_F(NotifierTest, PublishesEachAlertAtQos1OnThePatientsTopic) {
  Notifier n(publisher, "alerts", clock, metrics, log);
  n.start();
  n.emit(alert("p-001", AlertState::raised));
  ASSERT_TRUE(wait_for_messages(1));
  const auto m = publisher.messages()[0];
  EXPECT_EQ(m.topic, "alerts/p-001");
  EXPECT_EQ(m.qos, 1);
  EXPECT_NE(m.payload.find("\"state\":\"raised\""), std::string::npos) << m.payload;
  publisher.complete_all();
  EXPECT_EQ(n.stop(std::chrono::steady_clock::now() + 10s), 0u);
}

TEST_F(NotifierTest, StopWaitsForAcknowledgementsAndReportsWhatIsLeft) {
  Notifier n(publisher, "alerts", clock, metrics, log);
  n.start();
  n.emit(alert("p-001", AlertState::raised));
  n.emit(alert("p-002", AlertState::raised));
  ASSERT_TRUE(wait_for_messages(2));
  // Nothing acknowledged: stop gives up at the deadline and says how many.
  EXPECT_EQ(n.stop(std::chrono::steady_clock::now() + 50ms), 2u);
}

TEST_F(NotifierTest, RefusedMessagesAreRetriedNotLost) {
  Notifier n(publisher, "alerts", clock, metrics, log);
  publisher.set_refuse(true);
  n.start();
  n.emit(alert("p-001", AlertState::raised));
  publisher.set_refuse(false);
  ASSERT_TRUE(wait_for_messages(1));
  publisher.complete_all();
  EXPECT_EQ(n.stop(std::chrono::steady_clock::now() + 10s), 0u);
}

TEST_F(NotifierTest, FailedDeliveryIsRepublished) {
  Notifier n(publisher, "alerts", clock, metrics, log);
  n.start();
  n.emit(alert("p-001", AlertState::cleared));
  ASSERT_TRUE(wait_for_messages(1));
  publisher.complete_all(false);
  ASSERT_TRUE(wait_for_messages(2));
  EXPECT_EQ(publisher.messages()[1].payload, publisher.messages()[0].payload);
  publisher.complete_all(true);
  EXPECT_EQ(n.stop(std::chrono::steady_clock::now() + 10s), 0u);
  EXPECT_EQ(metrics.notify().publish_failures.load(), 1u);
}

}  // namespace
}  // namespace vitalsd

namespace vitalsd {
namespace {

TEST_F(NotifierTest, ARefusedAlertHoldsBackEverythingEmittedAfterIt) {
  Notifier n(publisher, "alerts", clock, metrics, log);
  publisher.set_refuse(true);
  n.start();
  n.emit(alert("p-001", AlertState::raised));
  n.emit(alert("p-001", AlertState::cleared));
  publisher.set_refuse(false);
  ASSERT_TRUE(wait_for_messages(2));
  const auto m = publisher.messages();
  EXPECT_NE(m[0].payload.find("\"state\":\"raised\""), std::string::npos);
  EXPECT_NE(m[1].payload.find("\"state\":\"cleared\""), std::string::npos) << "never cleared first";
  publisher.complete_all();
  EXPECT_EQ(n.stop(std::chrono::steady_clock::now() + 10s), 0u);
}

TEST_F(NotifierTest, StopGivesUpOnARefusingConnectionAtTheDeadline) {
  Notifier n(publisher, "alerts", clock, metrics, log);
  publisher.set_refuse(true);
  n.start();
  n.emit(alert("p-001", AlertState::raised));
  EXPECT_EQ(n.stop(std::chrono::steady_clock::now() + 100ms), 1u);
}

// Records what it is given, for the Redis side of the notifier.
class RecordingRecorder final : public AlertRecorder {
 public:
  void emitted(const AlertEvent&, const std::string& json) override {
    std::lock_guard lock(mutex_);
    emitted_.push_back(json);
  }
  void delivered(const AlertEvent&, const std::string& json) override {
    std::lock_guard lock(mutex_);
    delivered_.push_back(json);
  }
  std::vector<std::string> streamed() const {
    std::lock_guard lock(mutex_);
    return emitted_;
  }
  std::vector<std::string> recorded() const {
    std::lock_guard lock(mutex_);
    return delivered_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> emitted_;
  std::vector<std::string> delivered_;
};

TEST_F(NotifierTest, StreamsAtOnceButRecordsActiveStateOnlyWhenAcknowledged) {
  // A crash between publish and PUBACK must not leave Redis holding an alert
  // as active that MQTT never carried (a restart would restore it and never
  // raise it); the stream, a notification channel itself, does not wait.
  RecordingRecorder recorder;
  Notifier n(publisher, "alerts", clock, metrics, log, &recorder);
  n.start();
  n.emit(alert("p-001", AlertState::raised));
  ASSERT_TRUE(wait_for_messages(1));
  EXPECT_EQ(recorder.streamed(), std::vector<std::string>{publisher.messages()[0].payload});
  EXPECT_TRUE(recorder.recorded().empty()) << "published, not yet acknowledged";
  publisher.complete_all(false);  // the broker lost it: republished, still not recorded
  ASSERT_TRUE(wait_for_messages(2));
  EXPECT_TRUE(recorder.recorded().empty());
  publisher.complete_all();
  ASSERT_EQ(recorder.recorded().size(), 1u);
  EXPECT_EQ(recorder.recorded()[0], publisher.messages()[1].payload) << "the JSON MQTT carried";
  EXPECT_EQ(recorder.streamed().size(), 1u) << "a republish is not a new stream entry";
  EXPECT_EQ(n.stop(std::chrono::steady_clock::now() + 10s), 0u);
}

}  // namespace
}  // namespace vitalsd
