#include "notify/alert_json.h"

#include <gtest/gtest.h>

namespace vitalsd {
namespace {

AlertEvent sample() {
  AlertEvent e;
  e.id = *AlertId::parse("a1b2c3d4e5f60718293a4b5c6d7e8f90");
  e.patient = PatientId("p-001");
  e.rule = RuleName("spo2_low");
  e.metric = "spo2";
  e.state = AlertState::raised;
  e.severity = Severity::medium;
  e.value = 89;
  e.threshold = 90;
  e.reading_ts_ms = 1'795'255'200'123;  // 2026-11-21T10:00:00.123Z
  e.emitted_ms = 1'795'255'200'125;
  e.device = DeviceId("wb-0042");
  return e;
}

TEST(AlertJson, MatchesTheSpecExample) {
  std::string out;
  encode_alert_json(sample(), out);
  EXPECT_EQ(out,
            R"({"id":"a1b2c3d4e5f60718293a4b5c6d7e8f90","patient":"p-001","rule":"spo2_low",)"
            R"("metric":"spo2","state":"raised","severity":"medium","value":89,"threshold":90,)"
            R"("reading_ts":"2026-11-21T10:00:00.123Z","emitted_ts":"2026-11-21T10:00:00.125Z",)"
            R"("device":"wb-0042"})");
}

TEST(AlertJson, MissingReadingFieldsAreNull) {
  AlertEvent e = sample();
  e.state = AlertState::acknowledged;
  e.value.reset();
  e.threshold.reset();
  e.reading_ts_ms.reset();
  e.device = DeviceId();
  std::string out;
  encode_alert_json(e, out);
  EXPECT_NE(out.find(R"("value":null,"threshold":null,"reading_ts":null)"), std::string::npos)
      << out;
  EXPECT_NE(out.find(R"("device":null,"by":""})"), std::string::npos) << out;
}

TEST(AlertJson, DecimalsAreShortest) {
  AlertEvent e = sample();
  e.value = 38.6;
  e.threshold = 38.5;
  std::string out;
  encode_alert_json(e, out);
  EXPECT_NE(out.find(R"("value":38.6,"threshold":38.5)"), std::string::npos) << out;
}

TEST(AlertJson, News2FieldsFollowTheSpec) {
  AlertEvent e = sample();
  e.rule = RuleName("news2");
  e.metric = "news2";
  News2Detail n;
  n.score = 7;
  n.subscores = {3, 1, 2, 0, 1, 0, 0};
  n.risk = News2Risk::high;
  n.assumed_acvpu = true;
  e.news2 = n;
  std::string out;
  encode_alert_json(e, out);
  EXPECT_NE(out.find(R"("score":7,"subscores":{"rr":3,"spo2":1,"o2":2,"sbp":0,"hr":1,"acvpu":0,"temp":0},"risk":"high","assumed":["acvpu"]})"),
            std::string::npos)
      << out;
}

TEST(AlertJson, ReasonIsAddedForClearsWithoutAReading) {
  AlertEvent e = sample();
  e.state = AlertState::cleared;
  e.reason = ClearReason::rule_removed;
  std::string out;
  encode_alert_json(e, out);
  EXPECT_NE(out.find(R"(,"reason":"rule_removed"})"), std::string::npos) << out;
}

}  // namespace
}  // namespace vitalsd
