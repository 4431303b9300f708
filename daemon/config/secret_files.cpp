#include "config/secret_files.h"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

namespace vitalsd {
namespace {

namespace fs = std::filesystem;

void check(std::string_view key, const fs::path& path, std::vector<std::string>& out) {
  if (path.empty()) return;
  std::error_code ec;
  const fs::perms p = fs::status(path, ec).permissions();
  if (ec) return;  // unreadable files are the config loader's business
  const fs::perms others = fs::perms::others_read | fs::perms::others_write;
  if ((p & others) == fs::perms::none) return;
  out.push_back(fmt::format(
      "{} '{}' is {} by every user on this host (mode {:04o}): chmod 600, or 640 with the "
      "service's group",
      key, path.string(), (p & fs::perms::others_read) != fs::perms::none ? "readable" : "writable",
      static_cast<unsigned>(p & fs::perms::mask)));
}

}  // namespace

std::vector<std::string> loose_secret_files(const Config& config) {
  std::vector<std::string> out;
  check("[mqtt] password_file", config.mqtt.password_file, out);
  check("[mqtt] key_file", config.mqtt.key_file, out);
  check("[redis] password_file", config.redis.password_file, out);
  return out;
}

}  // namespace vitalsd
