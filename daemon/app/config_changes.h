// Which vitalsd.toml keys a SIGHUP reload applies to the running daemon, and
// which only take effect after a restart (README "Reload").
//
// Live keys are those whose new value can be handed over without rebuilding
// a component: the rules (a new immutable RuleSet broadcast to the workers)
// and the logger's level and format. Everything else is baked into a
// long-lived component at start-up (connections, subscriptions, the worker
// count, queue sizes, the metrics listener); a reload reports such a change
// and keeps running on the old value, so the daemon never half-applies one.
//
// Pure functions of two Configs; safe from any thread.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace vitalsd {

enum class Applies { live, after_restart };

// One key of vitalsd.toml (SPEC §6).
struct ConfigKey {
  std::string_view section;
  std::string_view key;
  Applies applies;
  // Whether `a` and `b` differ in this key. For *password_file this includes
  // the secret read from the file, so rotating a password is noticed.
  bool (*differs)(const Config& a, const Config& b);
  // Live keys only: copies the key's value from `from` into `to`.
  void (*adopt)(Config& to, const Config& from);
};

// Every key of vitalsd.toml, in the order of the shipped config file.
std::span<const ConfigKey> config_keys();

struct ConfigChange {
  std::string_view section;
  std::string_view key;
  Applies applies;
};

// The keys whose values differ between the running config and one just
// loaded, in config_keys() order.
std::vector<ConfigChange> diff_config(const Config& running, const Config& loaded);

// `running` with every live key taken from `loaded`: the config the daemon
// runs on after the reload (restart-only keys keep their running values, so
// the next reload reports them again until a restart picks them up).
Config adopt_live_keys(Config running, const Config& loaded);

}  // namespace vitalsd
