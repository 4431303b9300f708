#include "telemetry/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "common/version.h"
#include "test_support.h"

namespace vitalsd {
namespace {

using ::testing::Contains;
using testing::make_rule;
using ::testing::Not;

// What GET /metrics would serve, collected in the endpoint's order.
std::string scrape(const Metrics& metrics) {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& c : metrics.collectables()) {
    auto f = c->Collect();
    families.insert(families.end(), f.begin(), f.end());
  }
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

// Sample lines as {"name{labels}": value}.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

std::vector<std::string> sample_keys(const std::string& text) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : samples(text)) keys.push_back(k);
  return keys;
}

TEST(Metrics, EverySpecMetricHasItsTypeAndHelp) {
  Metrics metrics(2);
  // A family without series is not exposed at all, and alerts_total's series
  // come from the rules (an empty rule set could raise no alert).
  auto rules = std::make_shared<RuleSet>();
  rules->news2.enabled = true;
  metrics.set_rules_probe([rules] { return rules; });
  const std::string text = scrape(metrics);
  const std::pair<const char*, const char*> spec[] = {
      {"vitalsd_readings_received_total", "counter"},
      {"vitalsd_readings_processed_total", "counter"},
      {"vitalsd_readings_rejected_total", "counter"},
      {"vitalsd_alerts_total", "counter"},
      {"vitalsd_active_alerts", "gauge"},
      {"vitalsd_queue_depth", "gauge"},
      {"vitalsd_queue_full_waits_total", "counter"},
      {"vitalsd_processing_seconds", "histogram"},
      {"vitalsd_alert_publish_seconds", "histogram"},
      {"vitalsd_patients_tracked", "gauge"},
      {"vitalsd_mqtt_connected", "gauge"},
      {"vitalsd_mqtt_reconnects_total", "counter"},
      {"vitalsd_redis_up", "gauge"},
      {"vitalsd_redis_errors_total", "counter"},
      {"vitalsd_redis_circuit_open", "gauge"},
      {"vitalsd_config_reloads_total", "counter"},
      {"vitalsd_config_generation", "gauge"},
      {"vitalsd_build_info", "gauge"},
      // Beyond SPEC §8.
      {"vitalsd_redis_enabled", "gauge"},
      {"vitalsd_alert_publish_pending", "gauge"},
      {"vitalsd_alert_publish_failures_total", "counter"},
      {"process_cpu_seconds_total", "counter"},
      {"process_resident_memory_bytes", "gauge"},
      {"process_virtual_memory_bytes", "gauge"},
      {"process_open_fds", "gauge"},
      {"process_max_fds", "gauge"},
      {"process_start_time_seconds", "gauge"},
  };
  for (const auto& [name, type] : spec) {
    EXPECT_THAT(text, ::testing::HasSubstr(std::string("\n# TYPE ") + name + " " + type + "\n"))
        << name;
    EXPECT_TRUE(std::regex_search(text, std::regex(std::string("# HELP ") + name + " \\S")))
        << name;
  }
}

TEST(Metrics, LabelValuesDashboardsNeedExistFromTheStart) {
  Metrics metrics(3);
  const auto s = samples(scrape(metrics));
  std::vector<std::string> want = {
      R"(vitalsd_queue_depth{worker="0"})",
      R"(vitalsd_queue_depth{worker="2"})",
      R"(vitalsd_active_alerts{severity="low"})",
      R"(vitalsd_active_alerts{severity="high"})",
      R"(vitalsd_config_reloads_total{result="success"})",
      R"(vitalsd_config_reloads_total{result="failure"})",
      R"(vitalsd_build_info{version=")" + std::string(kVersion) + R"("})",
  };
  for (std::size_t r = 0; r < kRejectReasonCount; ++r) {
    want.push_back(R"(vitalsd_readings_rejected_total{reason=")" +
                   std::string(reject_reason_name(static_cast<RejectReason>(r))) + R"("})");
  }
  for (const auto op : kRedisOps) {
    want.push_back(R"(vitalsd_redis_errors_total{op=")" + std::string(op) + R"("})");
  }
  for (const auto& key : want) {
    ASSERT_TRUE(s.count(key)) << key;
    EXPECT_EQ(s.at(key), key.starts_with("vitalsd_build_info") ? 1 : 0) << key;
  }
  EXPECT_EQ(s.at("vitalsd_config_generation"), 1);
}

TEST(PossibleAlertSeries, FollowsEachRulesSeverities) {
  RuleSet rules;
  rules.thresholds.push_back(make_rule("spo2_low", Vital::spo2, Direction::below,
                                       {{92, Severity::low}, {85, Severity::high}}));
  rules.thresholds.push_back(
      make_rule("temp_high", Vital::temp, Direction::above, {{38.5, Severity::medium}}));
  rules.signal_lost.enabled = true;
  rules.signal_lost.severity = Severity::medium;

  using S = Severity;
  using A = AlertState;
  const std::vector<AlertSeries> want = {
      {"spo2_low", S::low, A::raised},
      {"spo2_low", S::low, A::cleared},
      {"spo2_low", S::low, A::acknowledged},
      {"spo2_low", S::high, A::raised},
      {"spo2_low", S::high, A::escalated},
      {"spo2_low", S::high, A::cleared},
      {"spo2_low", S::high, A::acknowledged},
      {"temp_high", S::medium, A::raised},
      {"temp_high", S::medium, A::cleared},
      {"temp_high", S::medium, A::acknowledged},
      {"signal_lost", S::medium, A::raised},
      {"signal_lost", S::medium, A::cleared},
      {"signal_lost", S::medium, A::acknowledged},
  };
  EXPECT_EQ(possible_alert_series(rules), want);

  RuleSet news2_only;
  news2_only.news2.enabled = true;
  const auto news2 = possible_alert_series(news2_only);
  EXPECT_EQ(news2.size(), 3u * 4 - 1) << "escalation reaches medium and high, never low";
  EXPECT_THAT(news2, Contains(AlertSeries{"news2", S::high, A::escalated}));
  EXPECT_THAT(news2, Not(Contains(AlertSeries{"news2", S::low, A::escalated})));
}

TEST(Metrics, AlertSeriesFollowTheRulesInForce) {
  Metrics metrics(1);
  auto rules = std::make_shared<RuleSet>();
  rules->thresholds.push_back(
      make_rule("hr_high", Vital::hr, Direction::above, {{110, Severity::low}}));
  std::shared_ptr<const RuleSet> in_force = rules;
  const std::string hr_raised =
      R"(vitalsd_alerts_total{rule="hr_high",severity="low",state="raised"})";
  const std::string rr_raised =
      R"(vitalsd_alerts_total{rule="rr_low",severity="high",state="raised"})";

  EXPECT_THAT(sample_keys(scrape(metrics)), Not(Contains(hr_raised))) << "no rules known yet";

  metrics.set_rules_probe([&] { return in_force; });
  auto s = samples(scrape(metrics));
  EXPECT_EQ(s.at(hr_raised), 0) << "created at zero by the first scrape";

  metrics.count_alert("hr_high", Severity::low, AlertState::raised);
  // A reload replaces hr_high with rr_low.
  auto reloaded = std::make_shared<RuleSet>();
  reloaded->thresholds.push_back(
      make_rule("rr_low", Vital::rr, Direction::below, {{8, Severity::high}}));
  in_force = reloaded;
  s = samples(scrape(metrics));
  EXPECT_EQ(s.at(rr_raised), 0) << "the new rule's series appear in the same scrape";
  EXPECT_EQ(s.at(hr_raised), 1) << "a removed rule's counts are kept";
}

TEST(Metrics, HistogramsAreCumulativeWithACountThatMatchesInf) {
  Metrics metrics(2);
  for (const double v : {0.000005, 0.00003, 0.0004, 0.02, 3.0, 120.0}) {
    metrics.worker(0).processing_seconds.observe(v);
  }
  metrics.worker(1).processing_seconds.observe(0.00003);
  const auto s = samples(scrape(metrics));

  double previous = 0;
  for (const double le : kLatencyBucketsSeconds) {
    std::ostringstream key;
    key << R"(vitalsd_processing_seconds_bucket{le=")" << le << R"("})";
    ASSERT_TRUE(s.count(key.str())) << key.str();
    EXPECT_GE(s.at(key.str()), previous) << key.str();
    previous = s.at(key.str());
  }
  EXPECT_EQ(s.at(R"(vitalsd_processing_seconds_bucket{le="1e-05"})"), 1);
  EXPECT_EQ(s.at(R"(vitalsd_processing_seconds_bucket{le="5e-05"})"), 3) << "both workers summed";
  EXPECT_EQ(s.at(R"(vitalsd_processing_seconds_bucket{le="60"})"), 6);
  EXPECT_EQ(s.at(R"(vitalsd_processing_seconds_bucket{le="+Inf"})"), 7);
  EXPECT_EQ(s.at("vitalsd_processing_seconds_count"), 7);
  EXPECT_NEAR(s.at("vitalsd_processing_seconds_sum"), 123.020465, 1e-9);
}

TEST(Metrics, AlertPublishBacklogIsVisible) {
  Metrics metrics(1);
  metrics.notify().pending.store(3);
  metrics.notify().publish_failures.store(2);
  const auto s = samples(scrape(metrics));
  EXPECT_EQ(s.at("vitalsd_alert_publish_pending"), 3);
  EXPECT_EQ(s.at("vitalsd_alert_publish_failures_total"), 2);
}

}  // namespace
}  // namespace vitalsd
