#include "config/config_loader.h"
#include "rules_source.h"

namespace vitals_pub {

bool rules_loader_available() { return true; }

vitalsd::Expected<vitalsd::RuleSet, std::string> load_rule_set(const std::filesystem::path& path) {
  auto rules = vitalsd::load_rules(path);
  if (rules) return std::move(rules).value();
  std::string problems;
  for (const auto& d : rules.error()) {
    if (!problems.empty()) problems += '\n';
    problems += d.to_string();
  }
  return vitalsd::unexpected(std::move(problems));
}

}  // namespace vitals_pub
