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
// The client starts no threads of its own.
//
// Connection. start() connects (TCP host:port, or unix_socket), then sends
// AUTH (if a password is set), SELECT (if db != 0) and PING; the connection
// is up once PING answers, and on_connected handlers run then. All of that
// must happen within config.timeout, else the attempt counts as failed. A lost
// or failed connection is retried after a capped exponential backoff with
// jitter (Options min/max_backoff). Loss and recovery are logged once each;
// while Redis stays away a reminder with the failure count is logged at most
// every 30 s, never once per retry.
//
// Timeouts. Every command must be answered within config.timeout of being
// issued. Redis answers in order, so when the oldest command on the wire is
// late everything behind it is late too, and the connection is treated as
// broken: commands that waited the full timeout fail with `timeout`, the
// younger ones on the same connection with `disconnected` (their outcome is
// unknown: Redis may or may not have run them), the connection is closed and
// re-established as above. Commands issued while the connection is being
// (re)established wait for it, up to the same timeout, and then go out in
// the order they were issued.
//
// Circuit breaker. Failures are counted per event, not per command: a lost
// connection, a failed connect attempt, a command timeout. A reply of any
// kind (a Redis error reply included) resets the count. After
// Options::failures_to_open consecutive failures the circuit opens: commands
// fail at once with `circuit_open` (posted, never inline) without touching
// the network, commands still waiting for a connection fail with
// `disconnected`, and connect attempts are held back to one per open_for.
// Once open_for has passed the next connect attempt is the half-open probe:
// if it connects and PING answers, the circuit closes. So the circuit is
// open while Redis stays unreachable, while a blip shorter than the timeout
// loses nothing.
//
// Metrics (if Options::report_health): vitalsd_redis_up is 1 while the
// connection is up, vitalsd_redis_circuit_open 1 while the circuit is open or
// half-open. Every command that fails counts once in
// vitalsd_redis_errors_total{op}, whatever the reason, circuit_open
// included: during an outage the counter therefore climbs at the rate the
// daemon tries Redis (one increment per skipped call, no new series), which
// is what an operator needs to see how many writes were skipped.
//
// Callbacks and lifetime. Every command callback runs exactly once as long
// as the io_context keeps running: with the reply, or with a failure. Reply,
// message and on_connected callbacks run inside hiredis's read handler; they
// may issue commands and may call stop(), but must not destroy the client,
// and must not throw (an exception that would unwind through hiredis's C code
// is caught and logged instead). Failures that happen at once (circuit open, stopped, a
// refused command) are posted to the io_context, never run inline.
// stop() and the destructor fail every command still pending with `stopped`,
// inline, and close the socket before they return.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>
#include <boost/asio/io_context.hpp>

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
//   disconnected  no usable connection: never sent, or sent and the connection
//                 dropped before the reply (Redis may or may not have run it)
//   timeout       no reply (or no connection) within RedisConfig::timeout
//   circuit_open  not attempted: the circuit breaker is open
//   stopped       not answered before stop() or the destructor
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
    // Whether this client drives vitalsd_redis_up and vitalsd_redis_circuit_open.
    // The gauges describe one connection, so set it on the command connection
    // only and false on the subscriber ("redis-sub").
    bool report_health = true;
  };

  // `name` distinguishes connections in logs ("redis", "redis-sub").
  RedisClient(boost::asio::io_context& io, const RedisConfig& config, Options options,
              spdlog::logger& log, Metrics& metrics, std::string name);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Connects (TCP or unix socket, then AUTH, SELECT and PING) and keeps
  // reconnecting until stop(). Returns at once; the first attempt is posted.
  // Note: hiredis resolves a host name with a blocking getaddrinfo() on this
  // thread, so configure an IP address (or a unix socket) in production.
  void start();
  // Fails every pending command with `stopped` (inline) and closes the
  // connection before returning; for a clean shutdown, wait for pending() to
  // reach 0 first. Final: the client never reconnects after it. Idempotent.
  void stop();

  // Runs after every successful connect (AUTH, SELECT and PING answered; on
  // a subscriber, the subscriptions confirmed), after the commands that waited
  // for the connection have been sent: the place to reconcile state written
  // while Redis was away.
  void on_connected(std::function<void()> handler);

  bool up() const;
  bool circuit_open() const;
  // Commands accepted and not yet answered or failed: on the wire, or
  // waiting for the connection to come up.
  std::size_t pending() const;

  // Sends one command (binary-safe argv). Commands are pipelined: many may be
  // in flight on the one connection, answered in order. `op` labels failures
  // in vitalsd_redis_errors_total{op}. The callback always runs exactly once,
  // never inline (posted if the command fails at once).
  // Commands that would change what this client manages -- (P|S)SUBSCRIBE and
  // their UNSUBSCRIBEs, MONITOR, SELECT, AUTH, HELLO, RESET -- are refused
  // (failed with `disconnected` and a detail saying why), as is any command
  // on a subscriber connection. MULTI/EXEC pipelines work as usual.
  void command(std::string_view op, std::vector<std::string> argv, Callback callback);

  // Puts this connection in subscriber mode for `channel`: every message's
  // payload goes to on_message (the view is valid during the call only), and
  // the subscription is renewed after each reconnect; on a subscriber the
  // connection counts as up (and on_connected runs) once Redis has confirmed
  // the subscriptions, so messages published while it was down are the only
  // ones missed. A client that subscribes cannot send other commands. The
  // subscription itself has no timeout, and an idle subscriber cannot tell a
  // stalled (but connected) Redis from a quiet one; the command connection's
  // timeouts are what detect that.
  void subscribe(std::string channel, std::function<void(std::string_view message)> on_message);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vitalsd
