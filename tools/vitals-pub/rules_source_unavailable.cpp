// Built instead of rules_source_vitalsd.cpp while daemon/ has no definition of
// vitalsd::load_rules (see CMakeLists.txt); delete once the loader is merged.
#include "rules_source.h"

namespace vitals_pub {

bool rules_loader_available() { return false; }

vitalsd::Expected<vitalsd::RuleSet, std::string> load_rule_set(const std::filesystem::path&) {
  return vitalsd::unexpected(
      std::string("this build has no rules loader (vitalsd::load_rules is not in daemon/ yet); "
                  "expected alerts are unavailable"));
}

}  // namespace vitals_pub
