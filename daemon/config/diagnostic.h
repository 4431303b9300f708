// Diagnostic: one problem found in a config or rules file, located precisely
// enough for an operator to fix it ("rules/adult.toml:12:5: unknown key 'treshold'").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vitalsd {

struct Diagnostic {
  std::string file;       // as the user named it (or as found in the rules directory)
  std::uint32_t line = 0;    // 1-based; 0 when the problem is about the file as a whole
  std::uint32_t column = 0;  // 1-based; 0 when unknown
  std::string message;

  // "file:line:col: message" (":line:col" omitted when unknown).
  std::string to_string() const;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace vitalsd
