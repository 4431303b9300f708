// The ward model: determinism, device rounding, healthy baselines, scenario
// timelines and patient selectors.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "news2_bounds.h"
#include "vitals_pub_test_support.h"
#include "ward.h"

namespace vitals_pub {
namespace {

using testing::spec2_verdict;

constexpr std::int64_t kT0 = 1'763'719'200'000;

WardOptions ward_options(std::uint64_t seed, std::size_t patients,
                         std::vector<ScenarioRequest> scenarios = {}) {
  WardOptions o;
  o.seed = seed;
  o.patients = patients;
  o.time_scale = 60;
  o.min_hold_s = 30;
  o.artefact_rate = 0.1;
  o.scenarios = std::move(scenarios);
  return o;
}

// Every payload the ward sends in `slots` rounds, stamped with the scheduled
// time (the real sender stamps the send time instead), as "topic payload".
std::vector<std::string> payloads(const WardPlan& ward, std::uint64_t rounds, double rate) {
  std::vector<PatientSimulator> sims;
  for (const auto& p : ward.patients) sims.emplace_back(p, ward.options);
  std::vector<std::string> out;
  std::string buf;
  const std::size_t n = ward.patients.size();
  for (std::uint64_t k = 0; k < rounds; ++k) {
    for (std::size_t i = 0; i < n; ++i) {
      const double offset = static_cast<double>(k * n + i) / rate;
      const auto slot = sims[i].next(k, offset);
      if (slot.kind == PatientSimulator::Slot::Kind::silent) continue;
      sims[i].write(slot, kT0 + std::llround(offset * 1000), buf);
      out.push_back(ward.patients[i].id + " " + buf);
    }
  }
  return out;
}

WardPlan plan(const WardOptions& o) {
  auto w = plan_ward(o);
  EXPECT_TRUE(w.has_value()) << (w ? "" : w.error());
  return std::move(w).value();
}

const std::vector<ScenarioRequest> kEveryScenario = {
    {"sepsis", "1"}, {"hypoxia", "2"}, {"opioid", "3"},     {"bradycardia", "4"},
    {"copd", "5"},   {"dropout", "6"}, {"artefacts", "6-8"}};

TEST(VitalsPubWard, SameSeedGivesByteIdenticalPayloads) {
  // Given two wards planned from the same options
  const WardPlan a = plan(ward_options(42, 8, kEveryScenario));
  const WardPlan b = plan(ward_options(42, 8, kEveryScenario));
  // When both send 300 rounds
  // Then every payload is identical, byte for byte
  EXPECT_EQ(payloads(a, 300, 8.0), payloads(b, 300, 8.0));
}

TEST(VitalsPubWard, DifferentSeedsGiveDifferentPayloads) {
  EXPECT_NE(payloads(plan(ward_options(1, 4)), 20, 4.0),
            payloads(plan(ward_options(2, 4)), 20, 4.0));
}

TEST(VitalsPubWard, APatientsReadingsDoNotDependOnWardSize) {
  // Given the same seed and a ward of 3 or of 7 patients
  const WardPlan small = plan(ward_options(9, 3));
  const WardPlan large = plan(ward_options(9, 7));
  // Then p-0002 has the same baseline and the same readings in both
  EXPECT_EQ(small.patients[1].baseline, large.patients[1].baseline);
  PatientSimulator s(small.patients[1], small.options);
  PatientSimulator l(large.patients[1], large.options);
  for (std::uint64_t k = 0; k < 50; ++k) {
    EXPECT_EQ(s.next(k, static_cast<double>(k)).reading, l.next(k, static_cast<double>(k)).reading);
  }
}

TEST(VitalsPubWard, EveryPayloadIsValidExceptTheDeliberateArtefacts) {
  // Given every scenario, artefacts on three patients at 10 %
  const WardPlan ward = plan(ward_options(7, 10, kEveryScenario));
  std::vector<PatientSimulator> sims;
  for (const auto& p : ward.patients) sims.emplace_back(p, ward.options);
  std::string buf;
  std::size_t artefacts = 0;
  std::size_t readings = 0;
  // When the whole scripted course is sent at 10 readings/s
  const double end = ward.script_end_s() + 10;
  for (std::uint64_t k = 0; static_cast<double>(k) < end; ++k) {
    for (std::size_t i = 0; i < sims.size(); ++i) {
      const double offset = static_cast<double>(k * sims.size() + i) / 10.0;
      const auto slot = sims[i].next(k, offset);
      if (slot.kind == PatientSimulator::Slot::Kind::silent) continue;
      const std::int64_t ts = kT0 + std::llround(offset * 1000);
      sims[i].write(slot, ts, buf);
      const std::string verdict = spec2_verdict(buf, ts);
      // Then each reading is valid and each artefact is rejected for the
      // reason it was made for
      if (slot.kind == PatientSimulator::Slot::Kind::artefact) {
        ++artefacts;
        EXPECT_EQ(verdict, vitalsd::reject_reason_name(expected_rejection(slot.artefact)))
            << artefact_name(slot.artefact) << ": " << buf.substr(0, 200);
      } else {
        ++readings;
        ASSERT_EQ(verdict, "ok") << buf;
      }
    }
  }
  EXPECT_GT(readings, 1000U);
  EXPECT_GT(artefacts, 50U);
}

TEST(VitalsPubWard, ReadingsAreRoundedLikeADevice) {
  const WardPlan ward = plan(ward_options(3, 5, {{"sepsis", "1"}}));
  const std::regex shape(
      R"(^p-\d{4} \{"ts":\d+,"device":"wb-\d{4}","hr":\d+,"spo2":\d+,"rr":\d+,)"
      R"("temp":\d{2}\.\d,"sbp":\d+,"dbp":\d+,"acvpu":"[ACVPU]","o2":(true|false)\}$)");
  for (const auto& p : payloads(ward, 200, 5.0)) {
    ASSERT_TRUE(std::regex_match(p, shape)) << p;
  }
}

TEST(VitalsPubWard, DeviceRoundingTable) {
  struct Case {
    Vital vital;
    double value;
    int expected;
  };
  const Case cases[] = {
      {Vital::hr, 71.5, 72},   {Vital::hr, 71.49, 71},    {Vital::spo2, 100.7, 100},
      {Vital::spo2, 96.4, 96}, {Vital::temp, 36.84, 368}, {Vital::temp, 36.85, 369},
      {Vital::rr, -0.4, 0},    {Vital::sbp, 119.5, 120},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(device_round(c.vital, c.value), c.expected)
        << vitalsd::vital_name(c.vital) << " " << c.value;
  }
}

TEST(VitalsPubWard, HealthyPatientsStayInsideTheNews2ZeroBandsForever) {
  // Given 500 healthy patients from different seeds
  // When each sends 400 readings over 10 simulated hours
  // Then no single reading ever scores 3 on any NEWS2 parameter, and HR, RR,
  // temperature and SBP score 0 (SpO2 may touch 95 %, which scores 1)
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const WardPlan ward = plan(ward_options(seed, 10));
    for (const auto& p : ward.patients) {
      PatientSimulator sim(p, ward.options);
      for (std::uint64_t k = 0; k < 400; ++k) {
        const DeviceReading r = sim.next(k, static_cast<double>(k) * 1.5).reading;
        ASSERT_EQ(news2_hr(r.hr), 0) << p.id << " seed " << seed << " hr " << r.hr;
        ASSERT_EQ(news2_rr(r.rr), 0) << " rr " << r.rr;
        ASSERT_EQ(news2_temp(r.temp_decic), 0) << " temp " << r.temp_decic;
        ASSERT_EQ(news2_sbp(r.sbp), 0) << " sbp " << r.sbp;
        ASSERT_LE(news2_spo2(r.spo2, 1, false), 1) << " spo2 " << r.spo2;
        ASSERT_GE(r.dbp, 55);
        ASSERT_LE(r.dbp, 90);
        ASSERT_LT(r.dbp, r.sbp);
      }
    }
  }
}

TEST(VitalsPubWard, ReadingsStayWithinTheNoiseBoundOfTheScript) {
  const WardPlan ward = plan(ward_options(5, 3, {{"hypoxia", "1"}, {"sepsis", "2"}}));
  for (const auto& p : ward.patients) {
    PatientSimulator sim(p, ward.options);
    for (std::uint64_t k = 0; k < 2000; ++k) {
      const double t = static_cast<double>(k) * 0.5;
      const DeviceReading r = sim.next(k, t).reading;
      const ScriptPoint s = p.timeline.at(t);
      for (Vital v : vitalsd::kAllVitals) {
        const double m = s.mean[index_of(v)];
        const double b = noise_bound(v);
        const double got = reading_value(r, v);
        const double step = v == Vital::temp ? 0.05 : 0.5;
        ASSERT_GE(got, m - b - step - 1e-9) << p.id << " " << vitalsd::vital_name(v) << " t=" << t;
        ASSERT_LE(got, m + b + step + 1e-9) << p.id << " " << vitalsd::vital_name(v);
      }
    }
  }
}

TEST(VitalsPubWard, TimelineScalesClinicalPhasesAndHoldsPlateaus) {
  // Given hypoxia at time scale 60 with plateaus held at least 90 s
  const ScenarioSpec& hypoxia = *find_scenario("hypoxia");
  VitalArray baseline{};
  baseline[index_of(Vital::spo2)] = 98;
  const Timeline t(hypoxia, baseline, 60, 90);
  // Then clinical phases shrink 60-fold and held ones last 90 s
  struct Expect {
    const char* name;
    double seconds;
  };
  const Expect expected[] = {{"stable", 5},
                             {"desaturating", 15},
                             {"hypoxic", 90},
                             {"oxygen_started", 10},
                             {"on_oxygen", 90}};
  ASSERT_EQ(t.phases().size(), std::size(expected));
  for (std::size_t i = 0; i < t.phases().size(); ++i) {
    EXPECT_EQ(t.phases()[i].name, expected[i].name);
    EXPECT_DOUBLE_EQ(t.phases()[i].end_s - t.phases()[i].begin_s, expected[i].seconds);
  }
  // And SpO2 ramps from baseline to 87 %, holds, then rises to 97 % on oxygen
  EXPECT_DOUBLE_EQ(t.at(0).mean[index_of(Vital::spo2)], 98);
  EXPECT_DOUBLE_EQ(t.at(5 + 7.5).mean[index_of(Vital::spo2)], 92.5);
  EXPECT_DOUBLE_EQ(t.at(60).mean[index_of(Vital::spo2)], 87);
  EXPECT_FALSE(t.at(60).o2);
  EXPECT_TRUE(t.at(111).o2);
  EXPECT_DOUBLE_EQ(t.at(500).mean[index_of(Vital::spo2)], 97);
  EXPECT_EQ(t.at(500).phase, 5);  // after the script: holds the last values
}

TEST(VitalsPubWard, DropoutIsInRealTimeWhateverTheScale) {
  const Timeline t(*find_scenario("dropout"), VitalArray{}, 1000, 10);
  EXPECT_FALSE(t.at(59.9).silent);
  EXPECT_TRUE(t.at(60).silent);
  EXPECT_TRUE(t.at(239.9).silent);
  EXPECT_FALSE(t.at(240).silent);
  EXPECT_DOUBLE_EQ(t.end_s(), 300);
}

TEST(VitalsPubWard, DropoutGapRescalesTheDeviceEventsOnly) {
  // Given --dropout-gap 15s (a twelfth of the scripted 180 s)
  WardOptions o = ward_options(1, 2, {{"dropout", "1"}, {"hypoxia", "2"}});
  o.dropout_gap_s = 15;
  const WardPlan w = plan(o);
  // Then the dropout is 5 s connected, 15 s silent, 5 s connected again
  const Timeline& t = w.patients[0].timeline;
  EXPECT_FALSE(t.at(4.9).silent);
  EXPECT_TRUE(t.at(5).silent);
  EXPECT_TRUE(t.at(19.9).silent);
  EXPECT_FALSE(t.at(20).silent);
  EXPECT_DOUBLE_EQ(t.end_s(), 25);
  // And a clinical course is timed as before
  const WardPlan unchanged = plan(ward_options(1, 2, {{"dropout", "1"}, {"hypoxia", "2"}}));
  EXPECT_DOUBLE_EQ(w.patients[1].timeline.end_s(), unchanged.patients[1].timeline.end_s());
}

TEST(VitalsPubWard, SelectorsPickPatients) {
  struct Case {
    std::vector<ScenarioRequest> requests;
    std::set<std::string> sepsis;     // patients that end up with sepsis
    std::set<std::string> artefacts;  // patients with artefacts
  };
  const Case cases[] = {
      {{{"sepsis", ""}}, {"p-0001"}, {}},
      {{{"sepsis", ""}, {"sepsis", ""}}, {"p-0001", "p-0002"}, {}},
      {{{"hypoxia", "1"}, {"sepsis", ""}}, {"p-0002"}, {}},
      {{{"sepsis", "2-3,p-0005"}}, {"p-0002", "p-0003", "p-0005"}, {}},
      {{{"artefacts", "all"}, {"sepsis", "4"}},
       {"p-0004"},
       {"p-0001", "p-0002", "p-0003", "p-0004", "p-0005"}},
      // A course without a selector ignores artefacts; artefacts skip busy patients.
      {{{"artefacts", "all"}, {"sepsis", ""}},
       {"p-0001"},
       {"p-0001", "p-0002", "p-0003", "p-0004", "p-0005"}},
      {{{"sepsis", ""}, {"artefacts", ""}}, {"p-0001"}, {"p-0002"}},
  };
  for (const Case& c : cases) {
    const WardPlan ward = plan(ward_options(1, 5, c.requests));
    std::set<std::string> sepsis, artefacts;
    for (const auto& p : ward.patients) {
      if (p.course && p.course->name == "sepsis") sepsis.insert(p.id);
      if (p.artefacts) artefacts.insert(p.id);
    }
    EXPECT_EQ(sepsis, c.sepsis);
    EXPECT_EQ(artefacts, c.artefacts);
  }
}

TEST(VitalsPubWard, BadSelectorsAreRefusedWithAReason) {
  struct Case {
    ScenarioRequest request;
    const char* error_contains;
  };
  const Case cases[] = {
      {{"sepsis", "0"}, "outside 1-5"},
      {{"sepsis", "6"}, "outside 1-5"},
      {{"sepsis", "4-2"}, "outside 1-5"},
      {{"sepsis", "p-0009"}, "no patient 'p-0009'"},
      {{"sepsis", "bed-3"}, "no patient 'bed-3'"},
      {{"nosuch", ""}, "unknown scenario"},
  };
  for (const Case& c : cases) {
    auto ward = plan_ward(ward_options(1, 5, {c.request}));
    ASSERT_FALSE(ward.has_value()) << c.request.selector;
    EXPECT_NE(ward.error().find(c.error_contains), std::string::npos) << ward.error();
  }
  auto twice = plan_ward(ward_options(1, 5, {{"sepsis", "2"}, {"hypoxia", "2"}}));
  ASSERT_FALSE(twice.has_value());
  EXPECT_NE(twice.error().find("one course per patient"), std::string::npos);
}

TEST(VitalsPubWard, PatientIdsWidenForLargeWards) {
  EXPECT_EQ(patient_id(0, 10), "p-0001");
  EXPECT_EQ(patient_id(9998, 9999), "p-9999");
  EXPECT_EQ(patient_id(0, 12000), "p-00001");
}

}  // namespace
}  // namespace vitals_pub
