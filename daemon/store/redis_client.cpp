#include "store/redis_client.h"

#include <algorithm>
#include <cassert>
#include <cctype>
#include <deque>
#include <exception>
#include <map>
#include <optional>
#include <random>
#include <utility>

#include <fmt/format.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "store/backoff.h"
#include "store/circuit_breaker.h"
#include "store/hiredis_asio.h"
#include "store/hiredis_reply.h"
#include "store/outage_log.h"
#include "telemetry/metrics.h"

namespace vitalsd {
namespace {

using Clock = std::chrono::steady_clock;
using Result = Expected<RedisReply, RedisFailure>;
using std::chrono::milliseconds;

// While Redis stays away, how often to remind the operator (with a count).
constexpr milliseconds kOutageReminderEvery = std::chrono::seconds(30);

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

// Commands that would change what the client manages: pub/sub and MONITOR
// replies would be matched to the wrong callbacks by hiredis, and the others
// would silently undo the connection set-up (database, credentials, protocol)
// that reconnects rely on.
std::optional<std::string> refused_command(std::string_view verb) {
  static constexpr std::string_view kPubSub[] = {"SUBSCRIBE",   "PSUBSCRIBE",   "SSUBSCRIBE",
                                                 "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE",
                                                 "MONITOR"};
  static constexpr std::string_view kSetup[] = {"SELECT", "AUTH", "HELLO", "RESET"};
  for (auto v : kPubSub) {
    if (iequals(verb, v)) return fmt::format("{} is not allowed here: use subscribe()", v);
  }
  for (auto v : kSetup) {
    if (iequals(verb, v)) {
      return fmt::format("{} is not allowed: the client sets the connection up from RedisConfig",
                         v);
    }
  }
  return std::nullopt;
}

// Counts how deep we are inside hiredis callbacks.
class CallbackScope {
 public:
  explicit CallbackScope(int& depth) : depth_(depth) { ++depth_; }
  ~CallbackScope() { --depth_; }
  CallbackScope(const CallbackScope&) = delete;
  CallbackScope& operator=(const CallbackScope&) = delete;

 private:
  int& depth_;
};

}  // namespace

struct RedisClient::Impl {
  // down -> connecting -> handshaking -> up -> closing -> down, and from any
  // state with a context to closing when it fails.
  enum class Link {
    down,         // no hiredis context
    connecting,   // TCP / unix connect in progress
    handshaking,  // AUTH / SELECT / PING (and SUBSCRIBE) sent, not all answered
    up,
    closing,  // hiredis is freeing the context: never call into it again
  };
  // What a request on the wire is for; only `command` has a caller.
  enum class Step { command, auth, select, ping };
  static std::string_view step_name(Step s) {
    switch (s) {
      case Step::auth:
        return "AUTH";
      case Step::select:
        return "SELECT";
      case Step::ping:
        return "PING";
      case Step::command:
        break;
    }
    return "a command";
  }

  struct Request {
    Step step = Step::command;
    std::string op;
    std::vector<std::string> argv;  // kept only while waiting for a connection
    Callback callback;              // empty once the caller has had its answer
    Clock::time_point issued{};
  };
  using Completion = std::pair<Callback, Result>;

  Impl(boost::asio::io_context& io, const RedisConfig& config, Options options, spdlog::logger& log,
       Metrics& metrics, std::string name)
      : io_(io),
        config_(config),
        options_(options),
        log_(log),
        metrics_(metrics),
        name_(std::move(name)),
        endpoint_(config.unix_socket.empty() ? fmt::format("{}:{}", config.host, config.port)
                                             : fmt::format("unix:{}", config.unix_socket.string())),
        breaker_(options.failures_to_open, options.open_for),
        outages_(kOutageReminderEvery),
        rng_(std::random_device{}()),
        connect_timer_(io),
        deadline_timer_(io),
        reconnect_timer_(io) {
    update_gauges();
  }

  ~Impl() {
    assert(in_callback_ == 0 && "a RedisClient must not be destroyed from its own callback");
    try {
      stop();
    } catch (...) {
      // Only allocation or logging can fail here, and a destructor has no one to tell.
    }
  }

  // Wraps a handler for a timer or a post so that it does nothing once the
  // client is gone (a cancelled timer's handler may already be queued).
  template <class F>
  auto guarded(F f) {
    return [alive = std::weak_ptr<int>(alive_), f = std::move(f)](auto&&... args) mutable {
      if (alive.expired()) return;
      f(std::forward<decltype(args)>(args)...);
    };
  }

  // ---- public operations -------------------------------------------------

  void start() {
    if (started_ || stopped_) return;
    started_ = true;
    boost::asio::post(io_, guarded([this] { connect(); }));
  }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    connect_timer_.cancel();
    deadline_timer_.cancel();
    reconnect_timer_.cancel();
    std::vector<Completion> done;
    for (Request& r : on_wire_) {
      if (r.callback) {
        done.push_back(fail(r, RedisFailure::Kind::stopped, "the client was stopped"));
      }
    }
    for (Request& r : waiting_) {
      done.push_back(fail(r, RedisFailure::Kind::stopped, "the client was stopped"));
    }
    waiting_.clear();
    if (ac_ && (link_ == Link::connecting || link_ == Link::handshaking || link_ == Link::up)) {
      close_reason_ = "stopped";
      // A clean disconnect waits for outstanding replies; with callers already
      // told `stopped` there is nothing to wait for, and a stalled Redis would
      // hold the shutdown up, so anything else is closed at once.
      const bool clean = link_ == Link::up && on_wire_.empty() && in_callback_ == 0;
      link_ = Link::closing;
      // Inside a hiredis callback both are deferred by hiredis until the
      // callback returns; otherwise they free the context right here.
      if (clean) {
        redisAsyncDisconnect(ac_);
      } else {
        redisAsyncFree(ac_);
      }
    }
    update_gauges();
    if (started_) {
      log_.info("{}: stopped{}", name_,
                done.empty() ? "" : fmt::format("; {} unanswered commands failed", done.size()));
    }
    deliver(done);
  }

  void command(std::string_view op, std::vector<std::string> argv, Callback callback) {
    if (!callback) callback = [](const Result&) {};
    auto refuse = [&](RedisFailure::Kind kind, std::string detail) {
      count_error(op);
      boost::asio::post(
          io_, [cb = std::move(callback), failure = RedisFailure{kind, std::move(detail)}] {
            cb(Result(unexpected(failure)));
          });
    };
    if (stopped_) return refuse(RedisFailure::Kind::stopped, "the client was stopped");
    if (argv.empty()) return refuse(RedisFailure::Kind::disconnected, "empty command");
    if (!subscriptions_.empty()) {
      return refuse(RedisFailure::Kind::disconnected,
                    "this is a subscriber connection: it cannot send commands");
    }
    if (auto why = refused_command(argv.front())) {
      log_.error("{}: refused command '{}': {}", name_, op, *why);
      return refuse(RedisFailure::Kind::disconnected, std::move(*why));
    }
    if (breaker_.is_open()) {
      return refuse(RedisFailure::Kind::circuit_open, "Redis is unavailable (circuit open)");
    }

    Request r{Step::command, std::string(op), {}, std::move(callback), Clock::now()};
    if (link_ == Link::up) {
      if (!send(argv, &Impl::on_reply_cb)) {
        callback = std::move(r.callback);
        return refuse(RedisFailure::Kind::disconnected, "hiredis refused the command");
      }
      on_wire_.push_back(std::move(r));
    } else {
      r.argv = std::move(argv);
      waiting_.push_back(std::move(r));
    }
    ++pending_;
    arm_deadline();
  }

  void subscribe(std::string channel, std::function<void(std::string_view)> on_message) {
    if (stopped_) return;
    subscriptions_.emplace_back(std::move(channel), std::move(on_message));
    // Before that point the handshake subscribes to every channel at once.
    if (link_ == Link::up || (link_ == Link::handshaking && subscribe_sent_)) {
      if (send({"SUBSCRIBE", subscriptions_.back().first}, &Impl::on_subscription_cb) &&
          link_ != Link::up) {
        ++confirmations_due_;
      }
    }
  }

  // ---- connecting --------------------------------------------------------

  void connect() {
    if (stopped_ || ac_) return;
    const auto now = Clock::now();
    if (breaker_.state() == CircuitBreaker::State::open && !breaker_.try_probe(now)) {
      schedule_attempt();
      return;
    }
    // Every request of an earlier connection has been called back by now.
    on_wire_.clear();
    ++generation_;
    close_reason_.reset();
    was_up_ = false;
    subscribe_sent_ = false;
    confirmations_due_ = 0;

    redisAsyncContext* ac = config_.unix_socket.empty()
                                ? redisAsyncConnect(config_.host.c_str(), config_.port)
                                : redisAsyncConnectUnix(config_.unix_socket.c_str());
    if (ac) ac->data = this;  // how the C callbacks find their way back
    std::vector<Completion> done;
    if (!ac) {
      after_disconnect("out of memory", done);
    } else if (ac->err) {
      std::string why = ac->errstr ? ac->errstr : "connect failed";
      redisAsyncFree(ac);  // nothing attached yet: no callbacks run
      after_disconnect(why, done);
    } else if (auto ec = HiredisAsio::attach(
                   ac, io_, [this](const redisAsyncContext& c) { on_context_gone(c); })) {
      redisAsyncFree(ac);
      after_disconnect("cannot watch the socket: " + ec.message(), done);
    } else {
      ac_ = ac;
      link_ = Link::connecting;
      // Detects a peer that vanished without a FIN on an otherwise idle
      // connection (the subscriber's usual state). TCP only.
      if (config_.unix_socket.empty()) redisEnableKeepAlive(&ac->c);
      // Also asks the adapter to wait for writability, i.e. connect() done.
      redisAsyncSetConnectCallback(ac, &Impl::on_connect_cb);
      connect_timer_.expires_after(config_.timeout);
      connect_timer_.async_wait(
          guarded([this, gen = generation_](const boost::system::error_code& ec) {
            if (!ec) on_connect_timeout(gen);
          }));
    }
    deliver(done);
  }

  static void on_connect_cb(const redisAsyncContext* ac, int status) {
    auto* self = static_cast<Impl*>(ac->data);
    CallbackScope scope(self->in_callback_);
    try {
      self->on_connect(status);
    } catch (const std::exception& e) {
      self->log_.error("{}: {}", self->name_, e.what());
    }
  }

  void on_connect(int status) {
    // A failed connect is followed at once by hiredis freeing the context,
    // and the cleanup hook reports why.
    if (status != REDIS_OK || link_ != Link::connecting) return;
    link_ = Link::handshaking;
    // Pipelined: one round trip. The password goes to hiredis and nowhere else.
    if (!config_.password.empty()) send_step(Step::auth, {"AUTH", config_.password.reveal()});
    if (config_.db != 0) send_step(Step::select, {"SELECT", std::to_string(config_.db)});
    // PING proves Redis itself answers: a stopped (SIGSTOP) server or a
    // listener that never replies still completes the TCP handshake.
    send_step(Step::ping, {"PING"});
  }

  void on_connect_timeout(std::uint64_t gen) {
    if (gen != generation_ || (link_ != Link::connecting && link_ != Link::handshaking)) return;
    if (link_ == Link::connecting) {
      close_context(fmt::format("connect did not complete within {} ms", config_.timeout.count()));
      return;
    }
    // Steps are answered in order, so the first one left is the one Redis owes.
    const std::string_view step = on_wire_.empty() ? "SUBSCRIBE" : step_name(on_wire_.front().step);
    close_context(fmt::format("no answer to {} within {} ms", step, config_.timeout.count()));
  }

  void on_step_reply(Step step, const redisReply& reply) {
    if (link_ != Link::handshaking) return;  // an earlier step already failed
    if (reply.type == REDIS_REPLY_ERROR) {
      const std::string error(reply.str, reply.len);
      // Redis's error texts never echo the password back.
      std::string why;
      switch (step) {
        case Step::auth:
          why = fmt::format("AUTH refused ({}): check redis.password_file", error);
          break;
        case Step::select:
          why = fmt::format("SELECT {} refused ({}): check redis.db", config_.db, error);
          break;
        default:
          why = error.rfind("NOAUTH", 0) == 0
                    ? fmt::format("Redis requires a password ({}): set redis.password_file", error)
                    : fmt::format("PING refused ({})", error);
          break;
      }
      close_context(why);
      return;
    }
    if (step != Step::ping) return;
    if (subscriptions_.empty()) {
      connection_up();
      return;
    }
    // A subscriber is up once Redis confirms the subscriptions, so that
    // on_connected handlers know every later message will reach them.
    std::vector<std::string> argv{"SUBSCRIBE"};
    for (const auto& [channel, handler] : subscriptions_) argv.push_back(channel);
    if (send(argv, &Impl::on_subscription_cb)) {
      subscribe_sent_ = true;
      confirmations_due_ = subscriptions_.size();
    }
  }

  void connection_up() {
    link_ = Link::up;
    was_up_ = true;
    connect_timer_.cancel();
    failed_attempts_ = 0;
    const bool was_open = breaker_.is_open();
    if (was_open) breaker_.record_success();  // the half-open probe succeeded
    std::string what = endpoint_;
    if (config_.db != 0) what += fmt::format(" (db {})", config_.db);
    if (!subscriptions_.empty()) {
      what += fmt::format(", subscribed to {} channel{}", subscriptions_.size(),
                          subscriptions_.size() == 1 ? "" : "s");
    }
    if (auto outage = outages_.on_success(Clock::now())) {
      log_.info("{}: connected to {}{} after {:.1f} s ({} failure{}){}", name_, what,
                ever_up_ ? " again" : "", static_cast<double>(outage->down_for.count()) / 1000.0,
                outage->failures, outage->failures == 1 ? "" : "s",
                was_open ? "; circuit closed" : "");
    } else {
      log_.info("{}: connected to {}", name_, what);
    }
    ever_up_ = true;
    update_gauges();

    // Commands that waited for the connection go first, in the order issued.
    std::vector<Completion> done;
    std::deque<Request> waited = std::exchange(waiting_, {});
    for (Request& r : waited) {
      if (send(r.argv, &Impl::on_reply_cb)) {
        r.argv.clear();
        on_wire_.push_back(std::move(r));
      } else {
        done.push_back(fail(r, RedisFailure::Kind::disconnected, "hiredis refused the command"));
      }
    }
    arm_deadline();
    deliver(done);
    // Last, so that their own commands (reconciling what was written while
    // Redis was away) queue behind the ones that waited.
    const auto handlers = on_connected_;
    for (const auto& handler : handlers) {
      if (stopped_ || link_ != Link::up) break;
      invoke(handler);
    }
  }

  // ---- replies -----------------------------------------------------------

  static void on_reply_cb(redisAsyncContext* ac, void* reply, void* /*privdata*/) {
    auto* self = static_cast<Impl*>(ac->data);
    CallbackScope scope(self->in_callback_);
    try {
      self->on_reply(*ac, static_cast<redisReply*>(reply));
    } catch (const std::exception& e) {
      self->log_.error("{}: {}", self->name_, e.what());
    }
  }

  // hiredis calls back once per request, in order: with its reply, or with
  // null when the context is being freed before the reply came.
  void on_reply(const redisAsyncContext& ac, redisReply* reply) {
    if (on_wire_.empty()) {
      log_.error("{}: a reply with no request waiting for it", name_);
      return;
    }
    Request r = std::move(on_wire_.front());
    on_wire_.pop_front();
    if (!reply) {
      if (link_ != Link::down) link_ = Link::closing;
      if (r.callback) {
        const std::string why = close_reason_   ? *close_reason_
                                : ac.c.err != 0 ? std::string(ac.c.errstr)
                                                : std::string("closed");
        std::vector<Completion> done;
        done.push_back(
            fail(r, RedisFailure::Kind::disconnected, "connection lost before the reply: " + why));
        deliver(done);
      }
      return;
    }
    if (r.step != Step::command) {
      on_step_reply(r.step, *reply);
      return;
    }
    if (!r.callback) return;  // its caller was already told it timed out
    if (breaker_.consecutive_failures() > 0) breaker_.record_success();
    --pending_;
    invoke(r.callback, Result(to_redis_reply(*reply)));
  }

  static void on_subscription_cb(redisAsyncContext* ac, void* reply, void* /*privdata*/) {
    auto* self = static_cast<Impl*>(ac->data);
    CallbackScope scope(self->in_callback_);
    try {
      self->on_subscription(static_cast<redisReply*>(reply));
    } catch (const std::exception& e) {
      self->log_.error("{}: {}", self->name_, e.what());
    }
  }

  // hiredis routes every push for a subscribed channel here: the subscribe
  // confirmation, each message, and null when the context is freed.
  void on_subscription(redisReply* reply) {
    if (!reply) {
      if (link_ != Link::down) link_ = Link::closing;
      return;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) return;
    const redisReply& kind = *reply->element[0];
    const redisReply& channel = *reply->element[1];
    if (kind.type != REDIS_REPLY_STRING || channel.type != REDIS_REPLY_STRING) return;
    const std::string_view what(kind.str, kind.len);
    const std::string_view name(channel.str, channel.len);
    if (what == "message") {
      const redisReply& payload = *reply->element[2];
      if (payload.type != REDIS_REPLY_STRING) return;
      for (const auto& [subscribed, handler] : subscriptions_) {
        if (subscribed == name) invoke(handler, std::string_view(payload.str, payload.len));
      }
    } else if (what == "subscribe") {
      if (link_ == Link::handshaking && confirmations_due_ > 0 && --confirmations_due_ == 0) {
        connection_up();
      }
    }
  }

  // ---- losing the connection ---------------------------------------------

  // Asks hiredis to free the context. Inside one of its callbacks hiredis
  // does so when the callback returns; otherwise right here. Either way the
  // cleanup hook (on_context_gone) follows.
  void close_context(std::string why) {
    if (!ac_ || link_ == Link::closing || link_ == Link::down) return;
    if (!close_reason_) close_reason_ = std::move(why);
    link_ = Link::closing;
    redisAsyncFree(ac_);
  }

  // hiredis's ev.cleanup: the context is about to be freed. Every request
  // still on it is called back with null (before or after this, depending on
  // the hiredis version); whatever has not been answered fails here.
  void on_context_gone(const redisAsyncContext& ac) {
    const std::string why = close_reason_   ? *close_reason_
                            : ac.c.err != 0 ? std::string(ac.c.errstr)
                                            : std::string("connection closed");
    close_reason_.reset();
    ac_ = nullptr;
    link_ = Link::down;
    connect_timer_.cancel();
    std::vector<Completion> done;
    for (Request& r : on_wire_) {
      if (r.callback) {
        done.push_back(
            fail(r, RedisFailure::Kind::disconnected, "connection lost before the reply: " + why));
      }
    }
    after_disconnect(why, done);
    deliver(done);
  }

  // A connection attempt failed or an established connection ended.
  void after_disconnect(const std::string& why, std::vector<Completion>& done) {
    if (stopped_) {
      update_gauges();
      return;
    }
    const auto now = Clock::now();
    const bool was_closed = !breaker_.is_open();
    // True also when a half-open probe fails; only closed -> open is news.
    const bool opened = breaker_.record_failure(now) && was_closed;
    ++failed_attempts_;
    const auto f = outages_.on_failure(now);
    if (f.log) {
      if (f.first && was_up_) {
        log_.warn("{}: connection to {} lost: {}; reconnecting", name_, endpoint_, why);
      } else if (f.first) {
        log_.warn("{}: cannot connect to {}: {}; retrying", name_, endpoint_, why);
      } else {
        log_.warn("{}: {} still unreachable after {} failures over {} s; last error: {}", name_,
                  endpoint_, f.failures, f.down_for.count() / 1000, why);
      }
    }
    was_up_ = false;
    if (opened) {
      log_.warn(
          "{}: circuit open after {} consecutive failures: Redis commands fail fast; "
          "next attempt in {} ms at the earliest",
          name_, breaker_.consecutive_failures(), options_.open_for.count());
      for (Request& r : waiting_) {
        done.push_back(fail(r, RedisFailure::Kind::disconnected,
                            "Redis unreachable (circuit opened): " + why));
      }
      waiting_.clear();
    }
    update_gauges();
    schedule_attempt();
  }

  void schedule_attempt() {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    auto delay = Clock::duration(backoff_delay(std::max(1, failed_attempts_), options_.min_backoff,
                                               options_.max_backoff, unit(rng_)));
    // While the circuit is open, the network is left alone until the probe.
    if (breaker_.state() == CircuitBreaker::State::open) {
      delay = std::max(delay, breaker_.probe_at() - Clock::now());
    }
    reconnect_timer_.expires_after(delay);
    reconnect_timer_.async_wait(guarded([this](const boost::system::error_code& ec) {
      if (!ec) connect();
    }));
  }

  // ---- command timeouts --------------------------------------------------

  // One timer watches the oldest unanswered command; replies come in order,
  // so nothing younger can be late before it is.
  void arm_deadline() {
    if (deadline_armed_ || stopped_) return;
    const auto oldest = oldest_unanswered();
    if (!oldest) return;
    deadline_armed_ = true;
    deadline_timer_.expires_at(*oldest + config_.timeout);
    deadline_timer_.async_wait(guarded([this](const boost::system::error_code& ec) {
      deadline_armed_ = false;
      if (!ec) on_deadline();
    }));
  }

  std::optional<Clock::time_point> oldest_unanswered() const {
    std::optional<Clock::time_point> oldest;
    for (const Request& r : on_wire_) {
      if (r.callback) {
        oldest = r.issued;
        break;
      }
    }
    if (!waiting_.empty() && (!oldest || waiting_.front().issued < *oldest)) {
      oldest = waiting_.front().issued;
    }
    return oldest;
  }

  void on_deadline() {
    if (stopped_) return;
    const auto now = Clock::now();
    const auto timeout = config_.timeout;
    std::vector<Completion> done;
    while (!waiting_.empty() && now - waiting_.front().issued >= timeout) {
      done.push_back(fail(waiting_.front(), RedisFailure::Kind::timeout,
                          fmt::format("no connection to Redis within {} ms", timeout.count())));
      waiting_.pop_front();
    }
    if (link_ == Link::up) {
      auto oldest = std::find_if(on_wire_.begin(), on_wire_.end(),
                                 [](const Request& r) { return bool(r.callback); });
      if (oldest != on_wire_.end() && now - oldest->issued >= timeout) {
        const std::string why =
            fmt::format("'{}' not answered within {} ms", oldest->op, timeout.count());
        for (Request& r : on_wire_) {
          if (!r.callback) continue;
          if (now - r.issued >= timeout) {
            done.push_back(fail(r, RedisFailure::Kind::timeout,
                                fmt::format("no reply within {} ms", timeout.count())));
          } else {
            done.push_back(fail(r, RedisFailure::Kind::disconnected,
                                "connection dropped: an earlier command timed out (" + why + ")"));
          }
        }
        close_context(why);
      }
    }
    arm_deadline();
    deliver(done);
  }

  // ---- helpers -----------------------------------------------------------

  bool send(const std::vector<std::string>& argv, redisCallbackFn* fn) {
    if (!ac_) return false;
    std::vector<const char*> args;
    std::vector<std::size_t> lengths;
    args.reserve(argv.size());
    lengths.reserve(argv.size());
    for (const std::string& a : argv) {
      args.push_back(a.data());
      lengths.push_back(a.size());
    }
    return redisAsyncCommandArgv(ac_, fn, nullptr, static_cast<int>(argv.size()), args.data(),
                                 lengths.data()) == REDIS_OK;
  }

  void send_step(Step step, const std::vector<std::string>& argv) {
    if (send(argv, &Impl::on_reply_cb)) on_wire_.push_back(Request{step, {}, {}, {}, Clock::now()});
  }

  // Takes the caller's callback out of `r` (so it cannot run twice) and
  // counts the failure; the caller delivers it once its own state is settled.
  Completion fail(Request& r, RedisFailure::Kind kind, std::string detail) {
    count_error(r.op);
    --pending_;
    return {std::exchange(r.callback, nullptr),
            Result(unexpected(RedisFailure{kind, std::move(detail)}))};
  }

  void deliver(std::vector<Completion>& done) {
    for (auto& [callback, result] : done) invoke(callback, result);
    done.clear();
  }

  // User code may run inside hiredis's C frames, which exceptions must not cross.
  template <class F, class... Args>
  void invoke(const F& f, Args&&... args) {
    try {
      f(std::forward<Args>(args)...);
    } catch (const std::exception& e) {
      log_.error("{}: a callback threw: {}", name_, e.what());
    } catch (...) {
      log_.error("{}: a callback threw", name_);
    }
  }

  void count_error(std::string_view op) {
    auto it = error_counters_.find(op);
    if (it == error_counters_.end()) {
      it = error_counters_.emplace(std::string(op), &metrics_.redis_errors(op)).first;
    }
    it->second->Increment();
  }

  void update_gauges() {
    if (!options_.report_health) return;
    metrics_.redis_up().Set(link_ == Link::up ? 1 : 0);
    metrics_.redis_circuit_open().Set(breaker_.is_open() ? 1 : 0);
  }

  // ---- state -------------------------------------------------------------

  boost::asio::io_context& io_;
  const RedisConfig config_;
  const Options options_;
  spdlog::logger& log_;
  Metrics& metrics_;
  const std::string name_;
  const std::string endpoint_;  // for log lines: host:port or unix:path

  bool started_ = false;
  bool stopped_ = false;
  Link link_ = Link::down;
  redisAsyncContext* ac_ = nullptr;          // the current connection; null when down
  std::uint64_t generation_ = 0;             // connection attempts so far; tags the connect timer
  std::optional<std::string> close_reason_;  // why we closed the current connection
  bool was_up_ = false;                      // the current connection got as far as up
  bool ever_up_ = false;                     // some connection did
  int in_callback_ = 0;                      // depth of hiredis callbacks we are inside

  std::deque<Request> on_wire_;  // one per callback hiredis holds, in send order
  std::deque<Request> waiting_;  // issued while the connection was not up, in order
  std::size_t pending_ = 0;      // commands in either queue not yet answered

  std::vector<std::pair<std::string, std::function<void(std::string_view)>>> subscriptions_;
  bool subscribe_sent_ = false;        // on the current connection
  std::size_t confirmations_due_ = 0;  // subscribe confirmations before it counts as up
  std::vector<std::function<void()>> on_connected_;

  CircuitBreaker breaker_;
  OutageLog outages_;
  int failed_attempts_ = 0;  // consecutive; drives the backoff
  std::minstd_rand rng_;     // backoff jitter
  boost::asio::steady_timer connect_timer_;
  boost::asio::steady_timer deadline_timer_;
  boost::asio::steady_timer reconnect_timer_;
  bool deadline_armed_ = false;
  std::map<std::string, prometheus::Counter*, std::less<>> error_counters_;  // by op
  // Handlers hold a weak reference: expired means the client is gone.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

RedisClient::RedisClient(boost::asio::io_context& io, const RedisConfig& config, Options options,
                         spdlog::logger& log, Metrics& metrics, std::string name)
    : impl_(std::make_unique<Impl>(io, config, options, log, metrics, std::move(name))) {}

RedisClient::~RedisClient() = default;

void RedisClient::start() { impl_->start(); }
void RedisClient::stop() { impl_->stop(); }

void RedisClient::on_connected(std::function<void()> handler) {
  impl_->on_connected_.push_back(std::move(handler));
}

bool RedisClient::up() const { return impl_->link_ == Impl::Link::up; }
bool RedisClient::circuit_open() const { return impl_->breaker_.is_open(); }
std::size_t RedisClient::pending() const { return impl_->pending_; }

void RedisClient::command(std::string_view op, std::vector<std::string> argv, Callback callback) {
  impl_->command(op, std::move(argv), std::move(callback));
}

void RedisClient::subscribe(std::string channel,
                            std::function<void(std::string_view message)> on_message) {
  impl_->subscribe(std::move(channel), std::move(on_message));
}

}  // namespace vitalsd
