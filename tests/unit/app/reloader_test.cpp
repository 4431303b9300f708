#include "app/reloader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>

#include "config/config_loader.h"
#include "config/temp_dir.h"
#include "telemetry/metrics.h"

namespace vitalsd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class RecordingSocket final : public NotifySocket {
 public:
  void send(const std::string& message) override {
    std::lock_guard lock(mutex_);
    sent_.push_back(message.substr(0, message.find('\n')));
  }
  std::vector<std::string> sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> sent_;
};

std::string hr_rule(double threshold, std::string_view name = "hr_high") {
  return "[[alert]]\nname = \"" + std::string(name) +
         "\"\nmetric = \"hr\"\ndirection = \"above\"\nlevels = [{ threshold = " +
         std::to_string(threshold) + ", severity = \"low\" }]\n";
}

class ReloaderTest : public ::testing::Test {
 protected:
  ReloaderTest() {
    logger_->set_pattern("%l %v");
    write_config("");
    dir_.write("rules.toml", hr_rule(110));
    auto config = load_config(config_file_);
    EXPECT_TRUE(config.has_value());
    auto rules = load_rules(config->rules.path);
    EXPECT_TRUE(rules.has_value());
    running_ = *config;
    broadcast_ = std::make_unique<RulesBroadcast>(std::make_shared<const RuleSet>(*rules));
    notifier_.condition_met("subscribed", "up");
  }

  void write_config(std::string_view extra) {
    config_file_ = dir_.write("vitalsd.toml",
                              std::string(extra) + "\n[rules]\npath = \"" + rules_path_ + "\"\n");
  }

  std::unique_ptr<Reloader> make(Reloader::Loaders loaders = Reloader::file_loaders()) {
    return std::make_unique<Reloader>(
        running_, *broadcast_, [this] { ++wakes_; }, metrics_, notifier_, *logger_,
        std::move(loaders));
  }

  double threshold() const {
    return broadcast_->current()->thresholds.at(0).levels.at(0).threshold;
  }
  double successes() { return metrics_.config_reloads(true).Value(); }
  double failures() { return metrics_.config_reloads(false).Value(); }
  std::string log() const { return log_.str(); }

  testing::TempDir dir_;
  std::string rules_path_ = "rules.toml";
  std::filesystem::path config_file_;
  Config running_;
  std::unique_ptr<RulesBroadcast> broadcast_;
  Metrics metrics_{1};
  std::atomic<int> wakes_{0};
  RecordingSocket socket_;
  FakeClock clock_;
  ServiceNotifier notifier_{socket_, clock_, {"subscribed"}};
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> logger_ = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log_));
};

TEST_F(ReloaderTest, AValidReloadPublishesTheNewRulesToTheWorkers) {
  auto reloader = make();
  EXPECT_EQ(metrics_.config_generation().Value(), 1) << "the gauge starts at the first generation";

  dir_.write("rules.toml", hr_rule(100));
  EXPECT_TRUE(reloader->reload_now());

  EXPECT_EQ(broadcast_->generation(), 2u);
  EXPECT_EQ(threshold(), 100);
  EXPECT_EQ(wakes_, 1) << "idle workers are woken to take the new rules up";
  EXPECT_EQ(successes(), 1);
  EXPECT_EQ(failures(), 0);
  EXPECT_EQ(metrics_.config_generation().Value(), 2);
  EXPECT_THAT(socket_.sent(), ElementsAre("READY=1", "RELOADING=1", "READY=1"));
  EXPECT_THAT(log(), HasSubstr("rules generation 2 handed to every worker: 1 threshold rules"));
}

TEST_F(ReloaderTest, InvalidRulesAreRefusedWithFileLineColAndTheOldRulesStay) {
  auto reloader = make();
  dir_.write("rules.toml", hr_rule(100) + "treshold = 3\n");
  EXPECT_FALSE(reloader->reload_now());

  EXPECT_EQ(broadcast_->generation(), 1u);
  EXPECT_EQ(threshold(), 110);
  EXPECT_EQ(wakes_, 0);
  EXPECT_EQ(successes(), 0);
  EXPECT_EQ(failures(), 1);
  EXPECT_EQ(metrics_.config_generation().Value(), 1);
  EXPECT_THAT(log(), HasSubstr("error reload refused: " + (dir_.path() / "rules.toml").string() +
                               ":6:1: "));
  EXPECT_THAT(log(), HasSubstr("rules generation 1 stays in force"));
  // systemd must leave the reloading state either way.
  EXPECT_THAT(socket_.sent(), ElementsAre("READY=1", "RELOADING=1", "READY=1"));
}

TEST_F(ReloaderTest, AnInvalidConfigFileIsRefusedEvenIfTheRulesAreFine) {
  auto reloader = make();
  dir_.write("rules.toml", hr_rule(100));
  write_config("[pipeline]\nworkers = \"two\"\n");
  EXPECT_FALSE(reloader->reload_now());
  EXPECT_EQ(threshold(), 110);
  EXPECT_EQ(failures(), 1);
  EXPECT_THAT(log(), HasSubstr(config_file_.string() + ":2:11: "));
}

TEST_F(ReloaderTest, ARestartOnlyKeyIsReportedAndKeptWhileTheRulesStillReload) {
  auto reloader = make();
  const std::string old_uri = running_.mqtt.uri;
  write_config("[mqtt]\nuri = \"tcp://elsewhere:1883\"\n[pipeline]\nworkers = 7\n");
  dir_.write("rules.toml", hr_rule(100));
  EXPECT_TRUE(reloader->reload_now());

  EXPECT_EQ(threshold(), 100);
  EXPECT_EQ(reloader->running().mqtt.uri, old_uri);
  EXPECT_EQ(reloader->running().pipeline.workers, running_.pipeline.workers);
  EXPECT_THAT(log(), HasSubstr("warning reload: [mqtt] uri changed; takes effect after a restart"));
  EXPECT_THAT(log(), HasSubstr("warning reload: [pipeline] workers changed; takes effect after a "
                               "restart"));
  EXPECT_THAT(log(), Not(HasSubstr("elsewhere")))
      << "values are not logged (URIs may hold secrets)";

  // Still not applied, so the next reload says so again.
  log_.str("");
  EXPECT_TRUE(reloader->reload_now());
  EXPECT_THAT(log(), HasSubstr("[mqtt] uri changed; takes effect after a restart"));
}

TEST_F(ReloaderTest, TheLogLevelAppliesLive) {
  auto reloader = make();
  ASSERT_EQ(logger_->level(), spdlog::level::info);
  write_config("[log]\nlevel = \"warn\"\n");
  EXPECT_TRUE(reloader->reload_now());
  EXPECT_EQ(logger_->level(), spdlog::level::warn);
  EXPECT_EQ(reloader->running().log.level, "warn");
}

TEST_F(ReloaderTest, ANewRulesPathIsReadInsteadOfTheOldOne) {
  auto reloader = make();
  dir_.write("ward7/a.toml", hr_rule(120, "hr_ward7"));
  rules_path_ = "ward7";
  write_config("");
  EXPECT_TRUE(reloader->reload_now());
  EXPECT_EQ(broadcast_->current()->thresholds.at(0).name, "hr_ward7");
  EXPECT_EQ(reloader->running().rules.path, dir_.path() / "ward7");
  EXPECT_THAT(log(), HasSubstr("info reload: [rules] path changed; applied"));
}

TEST_F(ReloaderTest, RequestsDuringAReloadAreCoalescedIntoOneMoreThatReadsTheLatestFiles) {
  // Given a reload held inside its config loader,
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> loads{0};
  auto files = Reloader::file_loaders();
  Reloader::Loaders loaders{[&](const std::filesystem::path& p) {
                              if (loads++ == 0) {
                                entered.set_value();
                                released.wait();
                              }
                              return files.config(p);
                            },
                            files.rules};
  auto reloader = make(loaders);
  reloader->start();
  reloader->request();
  entered.get_future().wait();

  // when five more requests arrive and the files change meanwhile,
  for (int i = 0; i < 5; ++i) reloader->request();
  dir_.write("rules.toml", hr_rule(105));
  release.set_value();
  reloader->wait_idle();

  // then exactly one more reload ran, and it saw the last state of the files.
  EXPECT_EQ(loads, 2);
  EXPECT_EQ(broadcast_->generation(), 3u);
  EXPECT_EQ(threshold(), 105);
  EXPECT_THAT(log(),
              HasSubstr("5 requests since the last reload began; reading the files once for all"));
  reloader->stop();
}

TEST_F(ReloaderTest, ARequestBeforeStartIsServedOnceStartedAndNoneAfterStop) {
  auto reloader = make();
  reloader->request();
  reloader->start();
  reloader->wait_idle();
  EXPECT_EQ(broadcast_->generation(), 2u);
  reloader->stop();
  reloader->request();
  reloader->wait_idle();
  EXPECT_EQ(broadcast_->generation(), 2u);
  EXPECT_THAT(log(), HasSubstr("reload: not started, vitalsd is shutting down"));
}

}  // namespace
}  // namespace vitalsd
