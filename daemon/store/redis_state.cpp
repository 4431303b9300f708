#include "store/redis_state.h"

#include <future>

#include <boost/asio/post.hpp>

namespace vitalsd {
namespace {

RedisClient::Options subscriber_options() {
  RedisClient::Options o;
  o.report_health = false;  // vitalsd_redis_up follows the command connection
  return o;
}

}  // namespace

RedisState::RedisState(boost::asio::io_context& io, const RedisConfig& config, Metrics& metrics,
                       spdlog::logger& log)
    : io_(io),
      config_(config),
      log_(log),
      client_(io, config, RedisClient::Options{}, log, metrics, "redis"),
      subscriber_(io, config, subscriber_options(), log, metrics, "redis-sub"),
      commands_(client_),
      profile_store_(io, commands_, config.key_prefix, log),
      writer_(io, commands_, config, metrics, log),
      restorer_(commands_, config.key_prefix),
      reconcile_timer_(io) {}

RedisState::~RedisState() { stop(); }  // pending callbacks still find the writer and store

void RedisState::start(std::function<void(std::string_view)> on_patient_updated,
                       std::function<void()> on_resubscribed) {
  boost::asio::post(io_, [this, on_patient_updated = std::move(on_patient_updated),
                          on_resubscribed = std::move(on_resubscribed)]() mutable {
    client_.on_connected([this] { writer_.reconnected(); });
    subscriber_.on_connected(std::move(on_resubscribed));
    subscriber_.subscribe(config_.key_prefix + "patient-updated", std::move(on_patient_updated));
    client_.start();
    subscriber_.start();
    schedule_reconcile();
  });
}

void RedisState::schedule_reconcile() {
  // A safety net beside on_connected: writes parked by a failure that did
  // not cost the connection are retried within a second.
  reconcile_timer_.expires_after(std::chrono::seconds(1));
  reconcile_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    writer_.reconcile();
    schedule_reconcile();
  });
}

RestoredState RedisState::restore(std::chrono::milliseconds timeout) {
  auto result = std::make_shared<std::promise<RestoredState>>();
  auto future = result->get_future();
  boost::asio::post(io_, [this, result] {
    restorer_.run([this, result](RestoredState s) {
      writer_.seed_active(s.alerts);
      result->set_value(std::move(s));
    });
  });
  if (future.wait_for(timeout) != std::future_status::ready) {
    RestoredState incomplete;
    incomplete.problems.push_back("no answer from Redis within " +
                                  std::to_string(timeout.count()) + " ms");
    return incomplete;  // a late answer lands in the shared promise, unread
  }
  return future.get();
}

std::size_t RedisState::flush(std::chrono::steady_clock::time_point deadline) {
  return writer_.flush(deadline);
}

void RedisState::stop() {
  reconcile_timer_.cancel();
  subscriber_.stop();  // both are idempotent
  client_.stop();
}

}  // namespace vitalsd
