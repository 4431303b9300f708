#include "store/backoff.h"

#include <algorithm>
#include <cmath>

namespace vitalsd {

std::chrono::milliseconds backoff_delay(int failed_attempts, std::chrono::milliseconds min_backoff,
                                        std::chrono::milliseconds max_backoff, double jitter) {
  const double lo = static_cast<double>(std::max<long long>(0, min_backoff.count()));
  const double hi = std::max(lo, static_cast<double>(max_backoff.count()));
  // Doubling past 2^30 only ever hits the cap; stop there so the power stays finite.
  const int doublings = std::clamp(failed_attempts - 1, 0, 30);
  const double base = std::min(hi, lo * std::ldexp(1.0, doublings));
  const double spread = base * (0.75 + 0.5 * std::clamp(jitter, 0.0, 1.0));
  return std::chrono::milliseconds(static_cast<long long>(std::clamp(spread, lo, hi)));
}

}  // namespace vitalsd
