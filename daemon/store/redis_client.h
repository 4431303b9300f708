// RedisClient: one hiredis async connection, driven by the daemon's Boost.Asio
// io_context through a small adapter (hiredis ships none for Asio).
//
// Redis is where the hospital meets vitalsd, but it must never be the thing
// that stops alerts: every command has a timeout, a dead or slow server trips
// a circuit breaker that fails commands fast instead of queueing them, and the
// connection is re-established in the background with capped backoff.
//
// Threads: every method must be called on the io_context's thread (post() to
// it from elsewhere); callbacks run there too. Workers never call it directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <spdlog/logger.h>

#include "common/expected.h"
#include "config/config.h"

namespace vitalsd {

class Metrics;

// A reply, copied out of hiredis so it can outlive the callback.
struct RedisReply {
  enum class Type { nil, string, integer, array, status, error };
  Type type = Type::nil;
  std::string str;  // string, status, error
  long long integer = 0;
  std::vector<RedisReply> elements;  // array

  bool is_error() const { return type == Type::error; }
};

// Why a command got no reply: the connection failed or timed out, or the
// circuit breaker is open. (A Redis error reply is a RedisReply of type error.)
struct RedisFailure {
  enum class Kind { disconnected, timeout, circuit_open, stopped };
  Kind kind;
  std::string detail;
};

class RedisClient {
 public:
  using Callback = std::function<void(const Expected<RedisReply, RedisFailure>&)>;

  struct Options {
    // Consecutive failures (timeouts, connection errors) that open the circuit.
    int failures_to_open = 3;
    // While open, commands fail at once; after this long one probe is let through.
    std::chrono::milliseconds open_for{std::chrono::seconds(2)};
    std::chrono::milliseconds min_backoff{std::chrono::milliseconds(200)};
    std::chrono::milliseconds max_backoff{std::chrono::seconds(10)};
  };

  // `name` distinguishes connections in logs ("redis", "redis-sub").
  RedisClient(boost::asio::io_context& io, const RedisConfig& config, Options options,
              spdlog::logger& log, Metrics& metrics, std::string name);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Connects (TCP or unix socket, then AUTH and SELECT) and keeps reconnecting
  // until stop(). Returns at once.
  void start();
  // Fails every pending command with `stopped` and closes the connection.
  void stop();

  // Runs after every successful connect (AUTH and SELECT done): the place to
  // reconcile state written while Redis was away.
  void on_connected(std::function<void()> handler);

  bool up() const;
  bool circuit_open() const;
  // Commands sent and not yet answered.
  std::size_t pending() const;

  // Sends one command (binary-safe argv). Commands are pipelined: many may be
  // in flight on the one connection, answered in order. `op` labels failures
  // in vitalsd_redis_errors_total{op}. The callback always runs exactly once,
  // never inline (posted if the command fails at once).
  void command(std::string_view op, std::vector<std::string> argv, Callback callback);

  // Puts this connection in subscriber mode for `channel`: every message's
  // payload goes to on_message, and the subscription is renewed after each
  // reconnect. A client that subscribes cannot send other commands.
  void subscribe(std::string channel, std::function<void(std::string_view message)> on_message);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vitalsd
