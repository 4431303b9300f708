#include "app/reloader.h"

#include <pthread.h>

#include <string>
#include <utility>

#include "app/config_changes.h"
#include "config/config_loader.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"

namespace vitalsd {

Reloader::Loaders Reloader::file_loaders() {
  return {[](const std::filesystem::path& p) { return load_config(p); },
          [](const std::filesystem::path& p) { return load_rules(p); }};
}

Reloader::Reloader(Config running, RulesBroadcast& rules, std::function<void()> rules_published,
                   Metrics& metrics, ServiceNotifier& service, spdlog::logger& log, Loaders loaders)
    : running_(std::move(running)),
      rules_(rules),
      rules_published_(std::move(rules_published)),
      metrics_(metrics),
      service_(service),
      log_(log),
      loaders_(std::move(loaders)) {
  metrics_.config_generation().Set(static_cast<double>(rules_.generation()));
}

Reloader::~Reloader() { stop(); }

void Reloader::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "reloader");  // top -H, gdb, /proc/*/task/*/comm
}

void Reloader::request() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      log_.info("reload: not started, vitalsd is shutting down");
      return;
    }
    ++requests_;
  }
  wake_.notify_one();
}

void Reloader::close() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    requests_ = 0;
  }
  wake_.notify_all();
  idle_.notify_all();
}

void Reloader::stop() {
  close();
  if (thread_.joinable()) thread_.join();
}

void Reloader::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return stopping_ || (!busy_ && requests_ == 0); });
}

void Reloader::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || requests_ > 0; });
    if (stopping_) break;
    const unsigned coalesced = std::exchange(requests_, 0);
    busy_ = true;
    lock.unlock();
    if (coalesced > 1) {
      log_.info("reload: {} requests since the last reload began; reading the files once for all",
                coalesced);
    }
    reload_now();
    lock.lock();
    busy_ = false;
    idle_.notify_all();
  }
}

bool Reloader::reload_now() {
  service_.reloading();
  const std::uint64_t generation_before = rules_.generation();
  log_.info("reload: reading {}", running_.file.string());

  auto refuse = [&](const Diagnostics& problems) {
    for (const Diagnostic& d : problems) log_.error("reload refused: {}", d.to_string());
    log_.error("reload refused ({} problem{}); rules generation {} stays in force", problems.size(),
               problems.size() == 1 ? "" : "s", generation_before);
    metrics_.config_reloads(false).Increment();
    service_.reloaded("reload refused (see log); running rules generation " +
                      std::to_string(generation_before));
    return false;
  };

  auto config = loaders_.config(running_.file);
  if (!config) return refuse(config.error());
  auto rules = loaders_.rules(config->rules.path);
  if (!rules) return refuse(rules.error());

  for (const ConfigChange& change : diff_config(running_, *config)) {
    if (change.applies == Applies::after_restart) {
      log_.warn("reload: [{}] {} changed; takes effect after a restart (the running value stays)",
                change.section, change.key);
    } else {
      log_.info("reload: [{}] {} changed; applied", change.section, change.key);
    }
  }
  running_ = adopt_live_keys(std::move(running_), *config);
  apply_log_config(log_, running_.log);

  auto published = std::make_shared<const RuleSet>(std::move(rules).value());
  const std::string rules_summary = summary(*published);
  const std::uint64_t generation = rules_.publish(std::move(published));
  rules_published_();
  metrics_.config_reloads(true).Increment();
  metrics_.config_generation().Set(static_cast<double>(generation));
  log_.info("reload: rules generation {} handed to every worker: {} from {}", generation,
            rules_summary, running_.rules.path.string());
  service_.reloaded("running rules generation " + std::to_string(generation) + ": " + rules_summary);
  return true;
}

}  // namespace vitalsd
