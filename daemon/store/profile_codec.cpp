#include "store/profile_codec.h"

#include <charconv>
#include <cmath>

namespace vitalsd {
namespace {

std::optional<double> parse_number(std::string_view s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool is_rule_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxRuleNameLength) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::string shown(std::string_view v) {
  std::string out(v.substr(0, 32));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return out;
}

}  // namespace

DecodedProfile decode_profile(const std::vector<std::pair<std::string, std::string>>& fields) {
  DecodedProfile out;
  PatientProfile& p = out.profile;
  auto problem = [&](std::string_view field, std::string_view value, std::string_view why) {
    out.problems.push_back(std::string(field) + "='" + shown(value) + "' " + std::string(why));
  };
  for (const auto& [field, value] : fields) {
    if (field == "news2_scale") {
      if (value == "1") {
        p.news2_scale = SpO2Scale::scale1;
      } else if (value == "2") {
        p.news2_scale = SpO2Scale::scale2;
      } else {
        problem(field, value, "is not 1 or 2");
      }
    } else if (field == "o2") {
      if (value == "0" || value == "1") {
        p.o2 = value == "1";
      } else {
        problem(field, value, "is not 0 or 1");
      }
    } else if (field == "acvpu") {
      if (auto a = parse_acvpu(value)) {
        p.acvpu = a;
      } else {
        problem(field, value, "is not one of A, C, V, P, U");
      }
    } else if (field == "paused") {
      p.paused = value == "1";
    } else if (const auto dot = field.rfind('.'); dot != std::string::npos) {
      const std::string_view rule = std::string_view(field).substr(0, dot);
      const std::optional<Severity> severity = parse_severity(std::string_view(field).substr(dot + 1));
      if (!is_rule_name(rule) || !severity) continue;  // not ours
      if (auto threshold = parse_number(value)) {
        p.overrides.push_back({RuleName(rule), *severity, *threshold});
      } else {
        problem(field, value, "is not a number");
      }
    }
  }
  return out;
}

}  // namespace vitalsd
