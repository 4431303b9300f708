// Prng: the simulator's only source of randomness.
//
// An explicit generator (xoshiro256**, seeded through splitmix64) and our own
// uniform and normal transforms instead of <random>'s distributions, whose
// output is implementation-defined: the same --seed must give the same payloads
// with any standard library. Each patient gets independent streams derived from
// (seed, patient, purpose), so what one patient sends never depends on how many
// others there are or on which thread sends it.
//
// Not thread-safe; each owner (one patient's simulator) has its own.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>

namespace vitals_pub {

// One step of splitmix64: a good 64-bit mixer, also used to derive seeds.
constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A well-mixed 64-bit value for (a, b, c): seeds for per-patient streams and
// counter-based decisions that must be computable without replaying a stream.
constexpr std::uint64_t mix3(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  std::uint64_t s = a;
  std::uint64_t h = splitmix64(s);
  s = h ^ b;
  h = splitmix64(s);
  s = h ^ c;
  return splitmix64(s);
}

// Uniform in [0, 1) from the top 53 bits.
constexpr double to_unit(std::uint64_t x) { return static_cast<double>(x >> 11) * 0x1.0p-53; }

class Prng {
 public:
  explicit Prng(std::uint64_t seed) {
    for (auto& word : s_) word = splitmix64(seed);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  double uniform() { return to_unit(next()); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

  // Standard normal by Box-Muller; always consumes exactly two draws so the
  // stream position is a simple function of how many values were asked for.
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]: log is finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

  // Normal clamped to mean +/- 3 sd. Clamping (not resampling) keeps the
  // bound exact, which the expected-alerts computation relies on.
  double normal_clamped(double mean, double sd) {
    return mean + sd * std::clamp(normal(), -3.0, 3.0);
  }

  // Normal truncated to [lo, hi] by resampling (a few tries, then clamped), for
  // baselines where a pile-up at the bounds would look unnatural.
  double normal_truncated(double mean, double sd, double lo, double hi) {
    for (int i = 0; i < 16; ++i) {
      const double v = mean + sd * normal();
      if (v >= lo && v <= hi) return v;
    }
    return std::clamp(mean, lo, hi);
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4] = {};
};

}  // namespace vitals_pub
