// libFuzzer target: one file's text through the config loader and the rules
// loader (the same text through both: they share the TOML reading, and each
// must refuse the other's files cleanly). The loaders read from disk, as
// vitalsd --check-config and SIGHUP do, so each input is written to a file in
// a private temporary folder first.
//
// Properties: no crash or leak, and a refusal always says why, with the file
// named in every diagnostic.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "config/config_loader.h"
#include "fuzz_check.h"

namespace {

namespace fs = std::filesystem;

// The folder lives for the whole run; libFuzzer exits without unwinding, so
// it is removed at exit.
const fs::path& work_dir() {
  static const fs::path dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "vitalsd-config-fuzz-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(work_dir(), ignored);
    });
    return fs::path(tmpl);
  }();
  return dir;
}

void check_refusal(const vitalsd::Diagnostics& diagnostics, const std::string& file) {
  FUZZ_CHECK(!diagnostics.empty());
  for (const auto& d : diagnostics) {
    FUZZ_CHECK(d.file == file);
    FUZZ_CHECK(!d.message.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fs::path file = work_dir() / "input.toml";
  {
    std::FILE* out = std::fopen(file.c_str(), "wb");
    FUZZ_CHECK(out != nullptr);
    FUZZ_CHECK(size == 0 || std::fwrite(data, 1, size, out) == size);
    FUZZ_CHECK(std::fclose(out) == 0);
  }

  const auto config = vitalsd::load_config(file);
  if (!config) check_refusal(config.error(), file.string());

  const auto rules = vitalsd::load_rules(file);
  if (!rules) check_refusal(rules.error(), file.string());
  return 0;
}
