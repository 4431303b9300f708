#include "config/toml_reader.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <memory>
#include <system_error>

#include "config/duration.h"

namespace vitalsd::config_detail {
namespace {

namespace fs = std::filesystem;

// A config or rules file larger than this is certainly not one (and reading
// /dev/zero by mistake must not take the daemon down).
constexpr std::size_t kMaxTomlFileBytes = std::size_t{1024} * 1024;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::string errno_message(int err) {
  return std::error_code(err, std::generic_category()).message();
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions,
// so "qso" is one edit from "qos".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t cols = b.size() + 1;
  std::vector<std::size_t> d((a.size() + 1) * cols);
  auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * cols + j]; };
  for (std::size_t i = 0; i <= a.size(); ++i) at(i, 0) = i;
  for (std::size_t j = 0; j <= b.size(); ++j) at(0, j) = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(a.size(), b.size());
}

}  // namespace

Expected<std::string, std::string> read_text_file(const fs::path& path, std::size_t max_bytes) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec) return unexpected(ec.message());
  if (fs::is_directory(status)) return unexpected(std::string("is a directory, not a file"));
  if (!fs::is_regular_file(status)) return unexpected(std::string("is not a regular file"));

  const std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return unexpected(errno_message(errno));
  std::string contents;
  char buffer[4096];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get())) {
    if (contents.size() + n > max_bytes) {
      return unexpected("is larger than " + std::to_string(max_bytes) + " bytes");
    }
    contents.append(buffer, n);
  }
  if (std::ferror(file.get())) return unexpected(errno_message(errno));
  return contents;
}

DiagnosticSink::DiagnosticSink(std::string file, Diagnostics& out)
    : file_(std::move(file)), out_(out), first_(out.size()) {}

void DiagnosticSink::error_at(const toml::source_region& where, std::string message) {
  out_.push_back(Diagnostic{file_, where.begin.line, where.begin.column, std::move(message)});
}

void DiagnosticSink::error_in_file(std::string message) {
  out_.push_back(Diagnostic{file_, 0, 0, std::move(message)});
}

std::string DiagnosticSink::location(const toml::source_region& where) const {
  return file_ + ":" + std::to_string(where.begin.line);
}

void DiagnosticSink::sort_by_position() {
  std::stable_sort(out_.begin() + static_cast<std::ptrdiff_t>(first_), out_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     return a.line != b.line ? a.line < b.line : a.column < b.column;
                   });
}

std::optional<toml::table> parse_toml_file(const fs::path& path, DiagnosticSink& sink) {
  auto text = read_text_file(path, kMaxTomlFileBytes);
  if (!text) {
    sink.error_in_file("cannot read: " + text.error());
    return std::nullopt;
  }
  try {
    return toml::parse(*text, std::string_view(sink.file()));
  } catch (const toml::parse_error& e) {
    sink.error_at(e.source(), std::string(e.description()));
    return std::nullopt;
  }
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::optional<std::string_view> closest_match(std::string_view word,
                                              std::span<const std::string_view> candidates) {
  // Two edits make "tls" into "qos": short words get fewer, or none.
  const std::size_t max_distance =
      std::min<std::size_t>(2, word.empty() ? 0 : (word.size() - 1) / 2);
  std::optional<std::string_view> best;
  std::size_t best_distance = max_distance + 1;
  for (std::string_view candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates,
                         std::string_view open, std::string_view close) {
  const auto match = closest_match(word, candidates);
  if (!match) return "";
  return "; did you mean " + std::string(open) + std::string(*match) + std::string(close) + "?";
}

TableReader::TableReader(const toml::table& table, std::string context, DiagnosticSink& sink)
    : table_(table), context_(std::move(context)), sink_(sink) {}

const toml::node* TableReader::get(std::string_view key, Required required) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.push_back(key);
  const toml::node* node = table_.get(key);
  if (node == nullptr && required == Required::yes) {
    const std::string where = context_.empty() ? "the file" : context_;
    sink_.error_at(table_.source(), where + " is missing required key '" + std::string(key) + "'");
  }
  return node;
}

std::optional<std::string> TableReader::get_string(std::string_view key, Required required) {
  const toml::node* node = get(key, required);
  if (node == nullptr) return std::nullopt;
  if (const auto* value = node->as_string()) return value->get();
  type_error(key, *node, "string");
  return std::nullopt;
}

std::optional<std::int64_t> TableReader::get_integer(std::string_view key) {
  const toml::node* node = get(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* value = node->as_integer()) return value->get();
  type_error(key, *node, "integer");
  return std::nullopt;
}

std::optional<bool> TableReader::get_bool(std::string_view key) {
  const toml::node* node = get(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* value = node->as_boolean()) return value->get();
  type_error(key, *node, "boolean");
  return std::nullopt;
}

std::optional<double> TableReader::get_number(std::string_view key, Required required) {
  const toml::node* node = get(key, required);
  if (node == nullptr) return std::nullopt;
  if (const auto* value = node->as_integer()) return static_cast<double>(value->get());
  if (const auto* value = node->as_floating_point()) {
    if (std::isfinite(value->get())) return value->get();
    error_at(key, "must be a finite number");
    return std::nullopt;
  }
  type_error(key, *node, "a number");
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> TableReader::get_duration(std::string_view key) {
  const toml::node* node = get(key);
  if (node == nullptr) return std::nullopt;
  const auto* value = node->as_string();
  if (value == nullptr) {
    type_error(key, *node, "a duration string such as \"30s\"");
    return std::nullopt;
  }
  auto duration = parse_duration(value->get());
  if (!duration) {
    error_at(key, duration.error());
    return std::nullopt;
  }
  return *duration;
}

const toml::array* TableReader::get_array(std::string_view key, Required required) {
  const toml::node* node = get(key, required);
  if (node == nullptr) return nullptr;
  if (const auto* value = node->as_array()) return value;
  type_error(key, *node, "array");
  return nullptr;
}

const toml::table* TableReader::get_table(std::string_view key) {
  const toml::node* node = get(key);
  if (node == nullptr) return nullptr;
  if (const auto* value = node->as_table()) return value;
  type_error(key, *node, "table");
  return nullptr;
}

void TableReader::error_at(std::string_view key, std::string_view reason) {
  const toml::node* node = table_.get(key);
  const toml::source_region& where = node != nullptr ? node->source() : table_.source();
  sink_.error_at(where, label(key) + ": " + std::string(reason));
}

void TableReader::reject_unknown_keys() {
  for (const auto& [key, value] : table_) {
    if (std::find(known_.begin(), known_.end(), key.str()) != known_.end()) continue;
    sink_.error_at(key.source(), unknown_key_message(key.str(), value));
  }
}

std::string TableReader::label(std::string_view key) const {
  return context_.empty() ? std::string(key) : context_ + " " + std::string(key);
}

void TableReader::type_error(std::string_view key, const toml::node& value,
                             std::string_view expected) {
  error_at(key, "expected " + std::string(expected) + ", got " + std::string(type_name(value)));
}

std::string TableReader::unknown_key_message(std::string_view key, const toml::node& value) const {
  if (!context_.empty()) {
    return "unknown key '" + std::string(key) + "' in " + context_ + did_you_mean(key, known_);
  }
  if (value.is_table()) {
    return "unknown section [" + std::string(key) + "]" + did_you_mean(key, known_, "[", "]");
  }
  if (value.is_array_of_tables()) {
    return "unknown section [[" + std::string(key) + "]]" + did_you_mean(key, known_, "[[", "]]");
  }
  return "unknown key '" + std::string(key) + "' at top level" + did_you_mean(key, known_);
}

}  // namespace vitalsd::config_detail
