// Reloader: the SIGHUP reload (SPEC §7, README "Reload").
//
// On request it re-reads vitalsd.toml and the rules at the (new) rules.path,
// on its own thread: never on a worker, and not on the event loop, whose
// watchdog pings must not wait for a slow disk. If both files are valid it
//   - reports every changed key that needs a restart, keeping the old value,
//   - applies the live keys ([log] level and format),
//   - publishes the new immutable RuleSet to every worker at once
//     (RulesBroadcast) and wakes idle workers so they take it up now.
// If anything is invalid it logs every problem as file:line:col, counts a
// failed reload and changes nothing: the old rules keep running.
//
// No reading is touched: the queues are never drained, swapped or paused;
// workers switch rule sets between two readings. So a reload can neither
// lose a reading nor process one twice.
//
// Requests that arrive while a reload runs are coalesced into one more
// reload, which starts after they arrived and so reads the files as they are
// then: the last state of the files always wins, and no request is ignored.
//
// Threads: request() from any thread (the signal handler on the event loop);
// start()/stop() from the owner; the reload itself on the reloader's thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include <spdlog/logger.h>

#include "analysis/rule_set.h"
#include "app/service_notifier.h"
#include "common/expected.h"
#include "config/config.h"
#include "config/diagnostic.h"
#include "dispatch/rules_broadcast.h"

namespace vitalsd {

class Metrics;

class Reloader {
 public:
  // Where a reload reads the files from; tests substitute slow or failing ones.
  struct Loaders {
    std::function<Expected<Config, Diagnostics>(const std::filesystem::path&)> config;
    std::function<Expected<RuleSet, Diagnostics>(const std::filesystem::path&)> rules;
  };
  static Loaders file_loaders();  // load_config and load_rules

  // `running` is the config the daemon started with; `rules_published` runs
  // after each publish (the daemon wakes its workers there).
  Reloader(Config running, RulesBroadcast& rules, std::function<void()> rules_published,
           Metrics& metrics, ServiceNotifier& service, spdlog::logger& log,
           Loaders loaders = file_loaders());
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Starts the reload thread. Requests made before are served then.
  void start();

  // Asks for a reload and returns at once. Coalesces with a pending one.
  void request();

  // Drops pending requests and refuses new ones; a reload in progress
  // finishes. Returns at once (shutdown must not wait for a slow disk).
  void close();

  // close(), then waits for a reload in progress and joins. Idempotent.
  void stop();

  // Blocks until no reload is pending or running (or stop() was called).
  void wait_idle();

  // One reload on the calling thread; true if the new rules were published.
  // The reload thread's body, public so tests need no thread.
  // REQUIRES: the reload thread is not running.
  bool reload_now();

  // The config in force: the start-up one with the live keys of the last
  // valid reload. REQUIRES: no reload is running (e.g. after wait_idle()).
  const Config& running() const { return running_; }

 private:
  void run();

  Config running_;  // touched only by the reloading thread
  RulesBroadcast& rules_;
  const std::function<void()> rules_published_;
  Metrics& metrics_;
  ServiceNotifier& service_;
  spdlog::logger& log_;
  const Loaders loaders_;

  std::mutex mutex_;              // guards the four fields below
  std::condition_variable wake_;  // a request arrived, or stop()
  std::condition_variable idle_;  // a reload finished
  unsigned requests_ = 0;         // since the last reload started
  bool busy_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vitalsd
