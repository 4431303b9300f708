// Daemon: assembles the pipeline from a validated Config and RuleSet, runs it
// until SIGTERM/SIGINT, and takes it down in order:
//
//   stop intake (disconnect the subscriber; the broker keeps the session)
//   -> drain every worker queue -> publish every pending alert and wait for
//   the broker's acks -> disconnect the publisher -> exit.
//
// Everything with side effects is built here and passed down by reference.
#pragma once

#include <memory>

#include <spdlog/logger.h>

#include "analysis/rule_set.h"
#include "config/config.h"

namespace vitalsd {

class Daemon {
 public:
  Daemon(Config config, std::shared_ptr<const RuleSet> rules,
         std::shared_ptr<spdlog::logger> log);
  ~Daemon();

  // Blocks until shutdown; returns the process exit code: 0 after a clean
  // drain, 1 if start-up failed or the drain did not finish in time.
  int run();

 private:
  struct Parts;
  Config config_;
  std::shared_ptr<const RuleSet> rules_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace vitalsd
