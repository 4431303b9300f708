// The vital signs a reading can carry (SPEC §2) and the enums shared by
// readings, rules and alerts.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vitalsd {

// The numeric vitals, in SPEC §2 order. Used as an index into VitalValues.
enum class Vital : std::uint8_t { hr, spo2, rr, temp, sbp, dbp };
inline constexpr std::size_t kVitalCount = 6;
inline constexpr std::array<Vital, kVitalCount> kAllVitals = {Vital::hr,   Vital::spo2, Vital::rr,
                                                              Vital::temp, Vital::sbp,  Vital::dbp};

constexpr std::string_view vital_name(Vital v) {
  constexpr std::array<std::string_view, kVitalCount> names = {"hr",   "spo2", "rr",
                                                               "temp", "sbp",  "dbp"};
  return names[static_cast<std::size_t>(v)];
}

constexpr std::optional<Vital> parse_vital(std::string_view s) {
  for (Vital v : kAllVitals) {
    if (vital_name(v) == s) return v;
  }
  return std::nullopt;
}

// The accepted (plausible) range of each vital, inclusive (SPEC §2).
struct VitalRange {
  double min;
  double max;
};
constexpr VitalRange plausible_range(Vital v) {
  constexpr std::array<VitalRange, kVitalCount> ranges = {
      VitalRange{0, 350}, VitalRange{0, 100}, VitalRange{0, 120},
      VitalRange{20, 45}, VitalRange{0, 400}, VitalRange{0, 300}};
  return ranges[static_cast<std::size_t>(v)];
}

// Level of consciousness on the ACVPU scale (Alert, new Confusion, Voice, Pain,
// Unresponsive).
enum class Acvpu : std::uint8_t { A, C, V, P, U };

constexpr std::string_view acvpu_name(Acvpu a) {
  constexpr std::array<std::string_view, 5> names = {"A", "C", "V", "P", "U"};
  return names[static_cast<std::size_t>(a)];
}

constexpr std::optional<Acvpu> parse_acvpu(std::string_view s) {
  if (s == "A") return Acvpu::A;
  if (s == "C") return Acvpu::C;
  if (s == "V") return Acvpu::V;
  if (s == "P") return Acvpu::P;
  if (s == "U") return Acvpu::U;
  return std::nullopt;
}

// Alert severity; ordered, so `a > b` means "a is more severe".
enum class Severity : std::uint8_t { low = 1, medium = 2, high = 3 };

constexpr std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::low:
      return "low";
    case Severity::medium:
      return "medium";
    case Severity::high:
      return "high";
  }
  return "?";
}

constexpr std::optional<Severity> parse_severity(std::string_view s) {
  if (s == "low") return Severity::low;
  if (s == "medium") return Severity::medium;
  if (s == "high") return Severity::high;
  return std::nullopt;
}

// The numeric vitals present in one reading. Absent vitals have no value;
// a reading never carries a NaN or infinity (the parser rejects them).
class VitalValues {
 public:
  bool has(Vital v) const { return (mask_ >> static_cast<unsigned>(v)) & 1U; }
  double get(Vital v) const { return values_[static_cast<std::size_t>(v)]; }
  std::optional<double> find(Vital v) const {
    return has(v) ? std::optional<double>(get(v)) : std::nullopt;
  }
  void set(Vital v, double value) {
    values_[static_cast<std::size_t>(v)] = value;
    mask_ |= static_cast<std::uint8_t>(1U << static_cast<unsigned>(v));
  }
  bool empty() const { return mask_ == 0; }

 private:
  std::array<double, kVitalCount> values_ = {};
  std::uint8_t mask_ = 0;
};

}  // namespace vitalsd
