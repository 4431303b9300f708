// vitalsd entry point: command line, config, logging; then Daemon runs.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "app/command_line.h"
#include "app/daemon.h"
#include "app/process_setup.h"
#include "common/version.h"
#include "config/config_loader.h"
#include "config/secret_files.h"
#include "telemetry/logging.h"

namespace {

// Loads config and rules, printing every problem to stderr. Returns false on any.
bool load(const std::filesystem::path& file, vitalsd::Config* config,
          std::shared_ptr<const vitalsd::RuleSet>* rules) {
  auto loaded = vitalsd::load_config(file);
  if (!loaded) {
    for (const auto& d : loaded.error()) std::cerr << d.to_string() << '\n';
    return false;
  }
  auto rule_set = vitalsd::load_rules(loaded->rules.path);
  if (!rule_set) {
    for (const auto& d : rule_set.error()) std::cerr << d.to_string() << '\n';
    return false;
  }
  *config = std::move(loaded).value();
  *rules = std::make_shared<const vitalsd::RuleSet>(std::move(rule_set).value());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (!vitalsd::prepare_process()) {
    std::perror("vitalsd: cannot open /dev/null for a closed standard stream");
    return 1;
  }
  using vitalsd::CommandLine;
  auto cl = vitalsd::parse_command_line(std::vector<std::string>(argv + 1, argv + argc));
  if (!cl) {
    std::cerr << "vitalsd: " << cl.error() << '\n';
    return 2;
  }
  switch (cl->action) {
    case CommandLine::Action::help:
      std::cout << vitalsd::usage_text();
      return 0;
    case CommandLine::Action::version:
      std::cout << "vitalsd " << vitalsd::kVersion << '\n';
      return 0;
    case CommandLine::Action::check_config:
    case CommandLine::Action::run:
      break;
  }

  vitalsd::Config config;
  std::shared_ptr<const vitalsd::RuleSet> rules;
  if (!load(cl->config, &config, &rules)) {
    std::cerr << "vitalsd: configuration invalid: " << cl->config.string() << '\n';
    return 1;
  }
  const std::vector<std::string> loose_secrets = vitalsd::loose_secret_files(config);
  if (cl->action == CommandLine::Action::check_config) {
    std::cout << "configuration valid: " << config.file.string() << "\nrules valid: "
              << config.rules.path.string() << " (" << vitalsd::summary(*rules) << ")\n";
    for (const std::string& w : loose_secrets) std::cerr << "warning: " << w << '\n';
    return 0;
  }

  auto logger = vitalsd::make_logger(config.log);
  if (!logger) {
    std::cerr << "vitalsd: " << logger.error() << '\n';
    return 1;
  }
  (*logger)->info("vitalsd {} using {}", vitalsd::kVersion, config.file.string());
  for (const std::string& w : loose_secrets) (*logger)->warn("{}", w);
  try {
    return vitalsd::Daemon(std::move(config), std::move(rules), *logger).run();
  } catch (const std::exception& e) {
    // A library refusing to start (e.g. an unusable broker URI): say so, exit 1.
    (*logger)->critical("vitalsd stopped: {}", e.what());
    (*logger)->flush();
    return 1;
  }
}
