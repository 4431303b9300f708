// Expected values below are transcribed from the RCP NEWS2 chart (2017) and
// SPEC §3 (between printed bands, a value scores in the band whose upper edge it
// does not exceed), not from the implementation.
#include "analysis/news2_score.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace vitalsd {
namespace {

// A healthy adult on air, every parameter mid-band: total 0.
News2Inputs healthy() {
  News2Inputs in;
  in.rr = 16;
  in.spo2 = 98;
  in.on_oxygen = false;
  in.sbp = 120;
  in.hr = 70;
  in.acvpu = Acvpu::A;
  in.temp = 37.0;
  in.scale = SpO2Scale::scale1;
  return in;
}

int subscore(const News2Score& s, std::string_view key) {
  const auto it = std::find(kNews2SubscoreKeys.begin(), kNews2SubscoreKeys.end(), key);
  if (it == kNews2SubscoreKeys.end()) {
    ADD_FAILURE() << "no NEWS2 subscore named " << key;
    return -1;
  }
  return s.subscores[static_cast<std::size_t>(it - kNews2SubscoreKeys.begin())];
}

// One printed band of the chart: values that must score `score`, typically the
// band's printed edges plus a value between it and the band below.
struct Band {
  std::vector<double> values;
  int score;
};

// Scores a healthy patient with one numeric parameter replaced, and checks that
// parameter's subscore. Every other parameter is mid-band, so the total is that
// subscore (plus 2 when the base patient is on oxygen).
void expect_bands(std::string_view key, double News2Inputs::*field, const std::vector<Band>& bands,
                  const News2Inputs& base = healthy()) {
  const int others = base.on_oxygen ? 2 : 0;
  for (const Band& band : bands) {
    for (double value : band.values) {
      News2Inputs in = base;
      in.*field = value;
      const News2Score s = score_news2(in);
      EXPECT_EQ(subscore(s, key), band.score) << key << " = " << value;
      EXPECT_EQ(s.total, band.score + others) << key << " = " << value;
    }
  }
}

TEST(News2ScoreTest, HealthyAdultScoresZero) {
  const News2Score s = score_news2(healthy());
  EXPECT_EQ(s.total, 0);
  for (std::size_t i = 0; i < s.subscores.size(); ++i) {
    EXPECT_EQ(s.subscores[i], 0) << kNews2SubscoreKeys[i];
  }
  EXPECT_EQ(s.risk, News2Risk::low);
}

TEST(News2ScoreTest, RespirationRate) {
  expect_bands("rr", &News2Inputs::rr,
               {
                   {{0, 8}, 3},          // <=8
                   {{8.5, 9, 11}, 1},    // 9-11
                   {{11.5, 12, 20}, 0},  // 12-20
                   {{20.5, 21, 24}, 2},  // 21-24
                   {{24.5, 25, 60}, 3},  // >=25
               });
}

TEST(News2ScoreTest, SpO2Scale1OnAirAndOnOxygen) {
  const std::vector<Band> scale1 = {
      {{70, 91}, 3},         // <=91
      {{91.5, 92, 93}, 2},   // 92-93
      {{93.5, 94, 95}, 1},   // 94-95
      {{95.5, 96, 100}, 0},  // >=96
  };
  News2Inputs in = healthy();
  in.on_oxygen = false;
  expect_bands("spo2", &News2Inputs::spo2, scale1, in);
  // Oxygen scores in its own row; the Scale 1 SpO2 row does not depend on it.
  in.on_oxygen = true;
  expect_bands("spo2", &News2Inputs::spo2, scale1, in);
}

TEST(News2ScoreTest, SpO2Scale2OnAir) {
  News2Inputs in = healthy();
  in.scale = SpO2Scale::scale2;
  in.on_oxygen = false;
  expect_bands("spo2", &News2Inputs::spo2,
               {
                   {{70, 83}, 3},                                     // <=83
                   {{83.5, 84, 85}, 2},                               // 84-85
                   {{85.5, 86, 87}, 1},                               // 86-87
                   {{87.5, 88, 92}, 0},                               // 88-92
                   {{92.5, 93, 94, 94.5, 95, 96, 96.5, 97, 100}, 0},  // >=93 on air
               },
               in);
}

TEST(News2ScoreTest, SpO2Scale2OnOxygen) {
  News2Inputs in = healthy();
  in.scale = SpO2Scale::scale2;
  in.on_oxygen = true;
  expect_bands("spo2", &News2Inputs::spo2,
               {
                   {{70, 83}, 3},         // <=83
                   {{83.5, 84, 85}, 2},   // 84-85
                   {{85.5, 86, 87}, 1},   // 86-87
                   {{87.5, 88, 92}, 0},   // 88-92
                   {{92.5, 93, 94}, 1},   // 93-94 on oxygen
                   {{94.5, 95, 96}, 2},   // 95-96 on oxygen
                   {{96.5, 97, 100}, 3},  // >=97 on oxygen
               },
               in);
}

TEST(News2ScoreTest, AirOrOxygen) {
  // Oxygen -> 2; air -> 0, on either SpO2 scale.
  for (SpO2Scale scale : {SpO2Scale::scale1, SpO2Scale::scale2}) {
    News2Inputs in = healthy();
    in.scale = scale;
    in.spo2 = 90;  // Within the Scale 2 target; the oxygen row does not depend on it.
    in.on_oxygen = false;
    EXPECT_EQ(subscore(score_news2(in), "o2"), 0) << "scale " << static_cast<int>(scale);
    in.on_oxygen = true;
    EXPECT_EQ(subscore(score_news2(in), "o2"), 2) << "scale " << static_cast<int>(scale);
  }
}

TEST(News2ScoreTest, SystolicBloodPressure) {
  expect_bands("sbp", &News2Inputs::sbp,
               {
                   {{0, 90}, 3},            // <=90
                   {{90.5, 91, 100}, 2},    // 91-100
                   {{100.5, 101, 110}, 1},  // 101-110
                   {{110.5, 111, 219}, 0},  // 111-219
                   {{219.5, 220, 300}, 3},  // >=220
               });
}

TEST(News2ScoreTest, Pulse) {
  expect_bands("hr", &News2Inputs::hr,
               {
                   {{0, 40}, 3},            // <=40
                   {{40.5, 41, 50}, 1},     // 41-50
                   {{50.5, 51, 90}, 0},     // 51-90
                   {{90.5, 91, 110}, 1},    // 91-110
                   {{110.5, 111, 130}, 2},  // 111-130
                   {{130.5, 131, 220}, 3},  // >=131
               });
}

TEST(News2ScoreTest, Consciousness) {
  struct Case {
    Acvpu acvpu;
    int score;
  };
  const std::vector<Case> cases = {
      {Acvpu::A, 0},  // Alert
      {Acvpu::C, 3},  // new Confusion
      {Acvpu::V, 3},  // Voice
      {Acvpu::P, 3},  // Pain
      {Acvpu::U, 3},  // Unresponsive
  };
  for (const auto& c : cases) {
    News2Inputs in = healthy();
    in.acvpu = c.acvpu;
    const News2Score s = score_news2(in);
    EXPECT_EQ(subscore(s, "acvpu"), c.score) << acvpu_name(c.acvpu);
    EXPECT_EQ(s.total, c.score) << acvpu_name(c.acvpu);
  }
}

TEST(News2ScoreTest, Temperature) {
  expect_bands("temp", &News2Inputs::temp,
               {
                   {{30.0, 35.0}, 3},         // <=35.0
                   {{35.05, 35.1, 36.0}, 1},  // 35.1-36.0
                   {{36.05, 36.1, 38.0}, 0},  // 36.1-38.0
                   {{38.05, 38.1, 39.0}, 1},  // 38.1-39.0
                   {{39.05, 39.1, 42.0}, 2},  // >=39.1
               });
}

// Risk aggregation: total >= 7 high; 5-6 medium; else a single 3 is
// low-medium; else low. Each name gives the chart subscores behind its total.
TEST(News2ScoreTest, Risk) {
  struct RiskCase {
    const char* name;
    News2Inputs in;
    int total;
    News2Risk risk;
  };
  auto with = [](auto change) {
    News2Inputs in = healthy();
    change(in);
    return in;
  };
  const std::vector<RiskCase> cases = {
      {"total 0", healthy(), 0, News2Risk::low},
      {"total 4, no 3 (2+2)", with([](News2Inputs& in) {
         in.rr = 22;
         in.hr = 115;
       }),
       4, News2Risk::low},
      {"total 4, no 3 (1+1+1+1)", with([](News2Inputs& in) {
         in.rr = 10;
         in.sbp = 105;
         in.hr = 95;
         in.temp = 38.5;
       }),
       4, News2Risk::low},
      {"single 3, total 3", with([](News2Inputs& in) { in.acvpu = Acvpu::V; }), 3,
       News2Risk::low_medium},
      {"single 3, total 4 (3+1)", with([](News2Inputs& in) {
         in.acvpu = Acvpu::C;
         in.hr = 95;
       }),
       4, News2Risk::low_medium},
      {"total 5 with a 3 (3+2)", with([](News2Inputs& in) {
         in.rr = 26;
         in.sbp = 95;
       }),
       5, News2Risk::medium},
      {"a 3 plus total 5 (3+1+1)", with([](News2Inputs& in) {
         in.temp = 34.5;
         in.hr = 45;
         in.sbp = 108;
       }),
       5, News2Risk::medium},
      {"total 5, no 3 (2+2+1)", with([](News2Inputs& in) {
         in.rr = 22;
         in.hr = 115;
         in.sbp = 105;
       }),
       5, News2Risk::medium},
      {"total 6 (2+2+2)", with([](News2Inputs& in) {
         in.rr = 22;
         in.hr = 115;
         in.temp = 39.5;
       }),
       6, News2Risk::medium},
      {"total 6, two 3s (3+3)", with([](News2Inputs& in) {
         in.hr = 35;
         in.acvpu = Acvpu::U;
       }),
       6, News2Risk::medium},
      {"total 7 (2+2+2+1)", with([](News2Inputs& in) {
         in.rr = 22;
         in.hr = 115;
         in.temp = 39.5;
         in.sbp = 105;
       }),
       7, News2Risk::high},
      {"total 20, every parameter at its worst (3+3+2+3+3+3+3)", with([](News2Inputs& in) {
         in.rr = 30;
         in.spo2 = 85;
         in.on_oxygen = true;
         in.sbp = 80;
         in.hr = 140;
         in.acvpu = Acvpu::U;
         in.temp = 34.0;
       }),
       20, News2Risk::high},
  };
  for (const RiskCase& c : cases) {
    const News2Score s = score_news2(c.in);
    EXPECT_EQ(s.total, c.total) << c.name;
    EXPECT_EQ(s.risk, c.risk) << c.name;
  }
}

TEST(News2ScoreTest, Severity) {
  EXPECT_EQ(news2_severity(News2Risk::low), std::nullopt);
  EXPECT_EQ(news2_severity(News2Risk::low_medium), Severity::low);
  EXPECT_EQ(news2_severity(News2Risk::medium), Severity::medium);
  EXPECT_EQ(news2_severity(News2Risk::high), Severity::high);
}

// Whole patients, scored by hand from the chart.

std::array<std::uint8_t, 7> subscores(int rr, int spo2, int o2, int sbp, int hr, int acvpu,
                                      int temp) {
  return {static_cast<std::uint8_t>(rr),  static_cast<std::uint8_t>(spo2),
          static_cast<std::uint8_t>(o2),  static_cast<std::uint8_t>(sbp),
          static_cast<std::uint8_t>(hr),  static_cast<std::uint8_t>(acvpu),
          static_cast<std::uint8_t>(temp)};
}

TEST(News2ScoreTest, SepticPatientIsHighRisk) {
  News2Inputs in;
  in.rr = 26;            // >=25 -> 3
  in.spo2 = 93;          // Scale 1, 92-93 -> 2
  in.on_oxygen = false;  // air -> 0
  in.sbp = 95;           // 91-100 -> 2
  in.hr = 125;           // 111-130 -> 2
  in.acvpu = Acvpu::A;   // -> 0
  in.temp = 39.2;        // >=39.1 -> 2
  in.scale = SpO2Scale::scale1;

  const News2Score s = score_news2(in);
  EXPECT_EQ(s.subscores, subscores(3, 2, 0, 2, 2, 0, 2));
  EXPECT_EQ(s.total, 11);
  EXPECT_EQ(s.risk, News2Risk::high);
  EXPECT_EQ(news2_severity(s.risk), Severity::high);
}

TEST(News2ScoreTest, CopdPatientOnOxygenAtTargetScoresByScale) {
  News2Inputs in;
  in.rr = 22;           // 21-24 -> 2
  in.spo2 = 90;         // Scale 2: 88-92 -> 0; Scale 1: <=91 -> 3
  in.on_oxygen = true;  // -> 2
  in.sbp = 130;         // 111-219 -> 0
  in.hr = 95;           // 91-110 -> 1
  in.acvpu = Acvpu::A;  // -> 0
  in.temp = 37.5;       // 36.1-38.0 -> 0

  in.scale = SpO2Scale::scale2;
  const News2Score on_scale2 = score_news2(in);
  EXPECT_EQ(on_scale2.subscores, subscores(2, 0, 2, 0, 1, 0, 0));
  EXPECT_EQ(on_scale2.total, 5);
  EXPECT_EQ(on_scale2.risk, News2Risk::medium);

  in.scale = SpO2Scale::scale1;
  const News2Score on_scale1 = score_news2(in);
  EXPECT_EQ(on_scale1.subscores, subscores(2, 3, 2, 0, 1, 0, 0));
  EXPECT_EQ(on_scale1.total, 8);
  EXPECT_EQ(on_scale1.risk, News2Risk::high);
}

TEST(News2ScoreTest, NewlyConfusedOtherwiseWellPatientIsLowMedium) {
  News2Inputs in = healthy();
  in.acvpu = Acvpu::C;  // new confusion -> 3; everything else -> 0

  const News2Score s = score_news2(in);
  EXPECT_EQ(s.subscores, subscores(0, 0, 0, 0, 0, 3, 0));
  EXPECT_EQ(s.total, 3);
  EXPECT_EQ(s.risk, News2Risk::low_medium);
  EXPECT_EQ(news2_severity(s.risk), Severity::low);
}

}  // namespace
}  // namespace vitalsd
