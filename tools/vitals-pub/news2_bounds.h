// NEWS2 (RCP 2017) over value ranges: the lowest and highest score a reading
// can get when each vital is only known to lie in [lo, hi]. The expected-alerts
// computation uses it to say which NEWS2 risk a scripted plateau certainly
// reaches and which it may reach, whatever the noise does.
//
// Values are on the device grid: integers, temperature in tenths of a degree.
#pragma once

#include "physiology.h"

namespace vitals_pub {

struct IntRange {
  int lo = 0;
  int hi = 0;
};

struct News2Inputs {
  IntRange rr, spo2, sbp, hr, temp_decic;
  Acvpu acvpu = Acvpu::A;
  bool o2 = false;
  int scale = 1;  // SpO2 scale 1 or 2
};

struct News2Range {
  int min_total = 0;
  int max_total = 0;
  bool must_have_three = false;  // some parameter scores 3 whatever the values
  bool may_have_three = false;   // some parameter can score 3
};

// Single-parameter scores, exactly as the chart prints them (SPEC §3).
int news2_rr(int rr);
int news2_spo2(int spo2, int scale, bool o2);
int news2_sbp(int sbp);
int news2_hr(int hr);
int news2_temp(int temp_decic);

News2Range news2_range(const News2Inputs& in);

// Risk to alert severity (SPEC §3): 0 none, 1 low, 2 medium, 3 high.
int news2_severity(int total, bool has_three);

}  // namespace vitals_pub
