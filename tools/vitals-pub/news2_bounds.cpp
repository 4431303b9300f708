#include "news2_bounds.h"

#include <algorithm>
#include <functional>

namespace vitals_pub {
namespace {

struct ScoreRange {
  int min = 3;
  int max = 0;
};

// Ranges are a few dozen grid points at most, so trying each value is both
// the simplest and the obviously correct way to get the extremes.
ScoreRange over(IntRange r, const std::function<int(int)>& score) {
  ScoreRange s;
  for (int v = r.lo; v <= r.hi; ++v) {
    const int x = score(v);
    s.min = std::min(s.min, x);
    s.max = std::max(s.max, x);
  }
  if (r.lo > r.hi) s = {0, 0};
  return s;
}

}  // namespace

int news2_rr(int rr) {
  if (rr <= 8) return 3;
  if (rr <= 11) return 1;
  if (rr <= 20) return 0;
  if (rr <= 24) return 2;
  return 3;
}

int news2_spo2(int spo2, int scale, bool o2) {
  if (scale != 2) {
    if (spo2 <= 91) return 3;
    if (spo2 <= 93) return 2;
    if (spo2 <= 95) return 1;
    return 0;
  }
  if (spo2 <= 83) return 3;
  if (spo2 <= 85) return 2;
  if (spo2 <= 87) return 1;
  if (spo2 <= 92 || !o2) return 0;
  if (spo2 <= 94) return 1;
  if (spo2 <= 96) return 2;
  return 3;
}

int news2_sbp(int sbp) {
  if (sbp <= 90) return 3;
  if (sbp <= 100) return 2;
  if (sbp <= 110) return 1;
  if (sbp <= 219) return 0;
  return 3;
}

int news2_hr(int hr) {
  if (hr <= 40) return 3;
  if (hr <= 50) return 1;
  if (hr <= 90) return 0;
  if (hr <= 110) return 1;
  if (hr <= 130) return 2;
  return 3;
}

int news2_temp(int t) {
  if (t <= 350) return 3;
  if (t <= 360) return 1;
  if (t <= 380) return 0;
  if (t <= 390) return 1;
  return 2;
}

News2Range news2_range(const News2Inputs& in) {
  const ScoreRange parts[] = {
      over(in.rr, news2_rr),
      over(in.spo2, [&](int v) { return news2_spo2(v, in.scale, in.o2); }),
      over(in.sbp, news2_sbp),
      over(in.hr, news2_hr),
      over(in.temp_decic, news2_temp),
  };
  News2Range r;
  const int fixed = (in.o2 ? 2 : 0) + (in.acvpu == Acvpu::A ? 0 : 3);
  r.min_total = r.max_total = fixed;
  r.must_have_three = r.may_have_three = in.acvpu != Acvpu::A;
  for (const auto& p : parts) {
    r.min_total += p.min;
    r.max_total += p.max;
    r.must_have_three = r.must_have_three || p.min == 3;
    r.may_have_three = r.may_have_three || p.max == 3;
  }
  return r;
}

int news2_severity(int total, bool has_three) {
  if (total >= 7) return 3;
  if (total >= 5) return 2;
  return has_three ? 1 : 0;
}

}  // namespace vitals_pub
