// Internal to daemon/config: strict, diagnostic-collecting reading of TOML
// files, shared by the config and rules loaders. The one header that includes
// toml++; nothing outside daemon/config/*.cpp may include it.
//
// Pattern: wrap each table in a TableReader, ask for every key the table may
// hold (absent keys keep their defaults), then call reject_unknown_keys(),
// which reports whatever was never asked for. Problems go to a DiagnosticSink
// and reading carries on, so one pass finds every problem in a file.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "common/expected.h"
#include "config/diagnostic.h"

namespace vitalsd::config_detail {

// Reads a whole regular file of at most max_bytes. The error is a reason
// ("No such file or directory"), never any of the file's contents.
Expected<std::string, std::string> read_text_file(const std::filesystem::path& path,
                                                  std::size_t max_bytes);

// Appends the diagnostics of one file to a list that may already hold those
// of other files.
class DiagnosticSink {
 public:
  DiagnosticSink(std::string file, Diagnostics& out);

  const std::string& file() const { return file_; }
  void error_at(const toml::source_region& where, std::string message);
  void error_in_file(std::string message);  // about the file as a whole (line 0)
  std::size_t error_count() const { return out_.size() - first_; }
  std::string location(const toml::source_region& where) const;  // "file:line"

  // Puts this file's diagnostics in file order: toml++ iterates table keys
  // alphabetically, but an operator reads the file top to bottom.
  void sort_by_position();

 private:
  const std::string file_;
  Diagnostics& out_;
  const std::size_t first_;  // index in out_ of this file's first diagnostic
};

// Parses `path`; on failure reports the unreadable file (line 0) or the
// parser's one error at its line:col, and returns nullopt.
std::optional<toml::table> parse_toml_file(const std::filesystem::path& path, DiagnosticSink& sink);

// "string", "integer", "float", "boolean", "table", "array", "date", ...
std::string_view type_name(const toml::node& node);

// The candidate closest to `word` by edit distance (transpositions count one),
// if within 2 edits, and fewer for short words (1 for 3-4 letters, none for 1-2).
std::optional<std::string_view> closest_match(std::string_view word,
                                              std::span<const std::string_view> candidates);

// "; did you mean 'x'?" (with `open`/`close` around x), or "" if nothing is close.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates,
                         std::string_view open = "'", std::string_view close = "'");

enum class Required : bool { no, yes };

class TableReader {
 public:
  // `context` names the table in messages: "[mqtt]", "[[alert]] 'hr_high'";
  // empty for a file's top level.
  TableReader(const toml::table& table, std::string context, DiagnosticSink& sink);

  void set_context(std::string context) { context_ = std::move(context); }

  // Each getter declares `key` as one this table may hold. An absent key
  // yields nullopt (reported only if Required::yes); a present one of the wrong
  // type is reported at its value and also yields nullopt.
  const toml::node* get(std::string_view key, Required required = Required::no);
  std::optional<std::string> get_string(std::string_view key, Required required = Required::no);
  std::optional<std::int64_t> get_integer(std::string_view key);
  std::optional<bool> get_bool(std::string_view key);
  // An integer or a float; NaN and infinity are refused.
  std::optional<double> get_number(std::string_view key, Required required = Required::no);
  std::optional<std::chrono::milliseconds> get_duration(std::string_view key);
  const toml::array* get_array(std::string_view key, Required required = Required::no);
  const toml::table* get_table(std::string_view key);

  // "<context> <key>: <reason>" at the key's value (at the table if absent).
  void error_at(std::string_view key, std::string_view reason);

  // Reports every key no getter asked for, suggesting the closest known one.
  void reject_unknown_keys();

 private:
  std::string label(std::string_view key) const;
  void type_error(std::string_view key, const toml::node& value, std::string_view expected);
  std::string unknown_key_message(std::string_view key, const toml::node& value) const;

  const toml::table& table_;
  std::string context_;
  DiagnosticSink& sink_;
  std::vector<std::string_view> known_;  // keys asked for, in the order asked
};

}  // namespace vitalsd::config_detail
