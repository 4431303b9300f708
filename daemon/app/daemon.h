// Daemon: assembles the pipeline from a validated Config and RuleSet, runs it
// until SIGTERM/SIGINT, and takes it down in order, within
// pipeline.shutdown_timeout:
//
//   stop intake (disconnect the subscriber; the broker keeps the session)
//   -> drain every worker queue (and readings held for a profile answer)
//   -> publish every pending alert and wait for the broker's acks
//   -> flush Redis writes -> disconnect -> exit 0.
//
// If a worker cannot finish in time, what was left is logged and the process
// exits 1 at once (its thread cannot be joined).
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
  struct ShutdownReport;

  void wire_mqtt(Parts& parts);
  void start(Parts& parts);
  ShutdownReport drain(Parts& parts);
  int report(const ShutdownReport& r);

  Config config_;
  std::shared_ptr<const RuleSet> rules_;
  std::shared_ptr<spdlog::logger> log_;
  unsigned workers_ = 1;
};

}  // namespace vitalsd
