// RedisClient against a real redis-server, one private server per test.
//
// The test drives the io_context itself (run_until), so every wait is a
// condition with a deadline; the client's timers decide when things happen.
#include "store/redis_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>

#include "redis_server.h"
#include "telemetry/metrics.h"

namespace vitalsd {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using Result = Expected<RedisReply, RedisFailure>;
using Kind = RedisFailure::Kind;
using vitalsd::testing::RedisServer;

// A listener whose connections complete the TCP handshake but are never
// accepted or answered: a host that is there but whose Redis is not.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class RedisClientIT : public ::testing::Test {
 protected:
  RedisClientIT()
      : log_(std::make_shared<spdlog::logger>(
            "test", std::make_shared<spdlog::sinks::ostream_sink_st>(log_text_))) {
    log_->set_level(spdlog::level::debug);
  }

  // The client's log explains most failures.
  void TearDown() override {
    if (HasFailure() || std::getenv("VITALSD_TEST_SHOW_LOGS")) std::cerr << logs();
  }

  static RedisConfig tcp_config(int port, milliseconds timeout = 500ms) {
    RedisConfig c;
    c.host = "127.0.0.1";
    c.port = port;
    c.timeout = timeout;
    return c;
  }

  // Fast backoff and a short open period, so recovery fits in a test.
  static RedisClient::Options fast() {
    RedisClient::Options o;
    o.failures_to_open = 3;
    o.open_for = 300ms;
    o.min_backoff = 20ms;
    o.max_backoff = 200ms;
    return o;
  }

  std::unique_ptr<RedisClient> make_client(const RedisConfig& config,
                                           RedisClient::Options options = fast(),
                                           std::string name = "redis") {
    return std::make_unique<RedisClient>(io_, config, options, *log_, metrics_, std::move(name));
  }

  // Runs the event loop until pred() holds; false if `limit` passed first.
  template <class Pred>
  bool run_until(Pred pred, milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io_.run_one_for(5ms);
    }
    return true;
  }

  // Runs the loop for a fixed time. Only where time itself is the point: to
  // make one command older than another, or to show nothing more happens.
  void run_for(milliseconds d) {
    run_until([] { return false; }, d);
  }

  // One command, waited for.
  Result call(RedisClient& client, std::vector<std::string> argv, milliseconds limit = 5s) {
    std::optional<Result> out;
    const std::string op = argv.front();
    client.command(op, std::move(argv), [&](const Result& r) { out = r; });
    if (!run_until([&] { return out.has_value(); }, limit)) {
      ADD_FAILURE() << "no callback within " << limit.count() << " ms";
      return unexpected(RedisFailure{Kind::stopped, "test gave up"});
    }
    return *out;
  }

  static std::string text(const Result& r) {
    if (!r) return "failure: " + r.error().detail;
    return r->str;
  }

  std::string logs() const { return log_text_.str(); }
  double up_gauge() { return metrics_.redis_up().Value(); }
  double circuit_gauge() { return metrics_.redis_circuit_open().Value(); }
  double errors(std::string_view op) { return metrics_.redis_errors(op).Value(); }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::ostringstream log_text_;
  std::shared_ptr<spdlog::logger> log_;
  Metrics metrics_{1};
};

TEST_F(RedisClientIT, CommandsAndPipelinedBurstsAreAnsweredInOrder) {
  RedisServer server;
  auto client = make_client(tcp_config(server.port()));
  int connected = 0;
  client->on_connected([&] { ++connected; });

  // Issued before start(): they wait for the connection and go out in order.
  std::vector<std::string> early;
  client->command("set", {"SET", "k", "v1"}, [&](const Result& r) { early.push_back(text(r)); });
  client->command("get", {"GET", "k"}, [&](const Result& r) { early.push_back(text(r)); });
  client->start();
  ASSERT_TRUE(run_until([&] { return early.size() == 2; }));
  EXPECT_EQ(early, (std::vector<std::string>{"OK", "v1"}));
  EXPECT_TRUE(client->up());
  EXPECT_EQ(connected, 1);
  EXPECT_EQ(up_gauge(), 1);

  // A pipelined burst: all issued before any reply, answered in order.
  constexpr int kBurst = 5000;
  std::vector<long long> counts;
  for (int i = 0; i < kBurst; ++i) {
    client->command("incr", {"INCR", "n"},
                    [&](const Result& r) { counts.push_back(r ? r->integer : -1); });
  }
  EXPECT_EQ(client->pending(), static_cast<std::size_t>(kBurst));
  ASSERT_TRUE(run_until([&] { return counts.size() == kBurst; }));
  for (int i = 0; i < kBurst; ++i) ASSERT_EQ(counts[i], i + 1) << "reply " << i << " out of order";
  EXPECT_EQ(client->pending(), 0u);

  // Reply types, arrays included.
  EXPECT_EQ(call(*client, {"GET", "missing"})->type, RedisReply::Type::nil);
  EXPECT_EQ(call(*client, {"PING"})->type, RedisReply::Type::status);
  ASSERT_EQ(call(*client, {"RPUSH", "l", "a", std::string("b\0c", 3)})->integer, 2);
  const Result range = call(*client, {"LRANGE", "l", "0", "-1"});
  ASSERT_TRUE(range);
  ASSERT_EQ(range->type, RedisReply::Type::array);
  ASSERT_EQ(range->elements.size(), 2u);
  EXPECT_EQ(range->elements[1].str, std::string("b\0c", 3)) << "binary-safe";

  // A Redis error reply is an answer, not a failure: the breaker ignores it.
  const Result wrong = call(*client, {"INCR", "k"});
  ASSERT_TRUE(wrong);
  EXPECT_TRUE(wrong->is_error());
  EXPECT_FALSE(client->circuit_open());

  // The caller's own MULTI/EXEC.
  std::vector<Result> tx;
  for (auto& argv : std::vector<std::vector<std::string>>{
           {"MULTI"}, {"SET", "t", "1"}, {"INCR", "t"}, {"EXEC"}}) {
    client->command("tx", std::move(argv), [&](const Result& r) { tx.push_back(r); });
  }
  ASSERT_TRUE(run_until([&] { return tx.size() == 4; }));
  EXPECT_EQ(tx[1]->str, "QUEUED");
  ASSERT_EQ(tx[3]->type, RedisReply::Type::array);
  EXPECT_EQ(tx[3]->elements[1].integer, 2);
  EXPECT_EQ(errors("incr"), 0);
}

TEST_F(RedisClientIT, AuthenticatesWithThePasswordFromConfig) {
  RedisServer server({.args = {"--requirepass", "s3cret-pw"}});
  RedisConfig config = tcp_config(server.port());
  config.password = Secret("s3cret-pw");
  auto client = make_client(config);
  client->start();
  EXPECT_EQ(text(call(*client, {"SET", "a", "1"})), "OK");
  EXPECT_EQ(logs().find("s3cret-pw"), std::string::npos) << logs();
}

TEST_F(RedisClientIT, WrongOrMissingPasswordIsReportedClearlyAndNeverCrashes) {
  RedisServer server({.args = {"--requirepass", "right-pw"}});
  RedisConfig wrong = tcp_config(server.port());
  wrong.password = Secret("wrong-pw");
  auto with_wrong = make_client(wrong, fast(), "redis-wrong");
  auto without = make_client(tcp_config(server.port()), fast(), "redis-none");
  with_wrong->start();
  without->start();

  // Refused handshakes count as failures: both circuits open, nothing is up.
  ASSERT_TRUE(run_until([&] { return with_wrong->circuit_open() && without->circuit_open(); }));
  EXPECT_FALSE(with_wrong->up());
  EXPECT_FALSE(without->up());
  EXPECT_NE(logs().find("redis-wrong: cannot connect to 127.0.0.1:" +
                        std::to_string(server.port()) + ": AUTH refused (WRONGPASS"),
            std::string::npos)
      << logs();
  EXPECT_NE(logs().find("redis-none: cannot connect"), std::string::npos) << logs();
  EXPECT_NE(logs().find("Redis requires a password (NOAUTH"), std::string::npos) << logs();
  EXPECT_EQ(logs().find("wrong-pw"), std::string::npos) << "the password is never logged";

  const Result r = call(*with_wrong, {"GET", "x"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, Kind::circuit_open);
}

TEST_F(RedisClientIT, SelectsTheConfiguredDatabaseOnEveryConnect) {
  RedisServer server;
  RedisConfig db5 = tcp_config(server.port());
  db5.db = 5;
  auto in5 = make_client(db5, fast(), "redis-db5");
  auto in0 = make_client(tcp_config(server.port()), fast(), "redis-db0");
  in5->start();
  in0->start();
  EXPECT_EQ(text(call(*in5, {"SET", "k", "five"})), "OK");
  EXPECT_EQ(call(*in0, {"GET", "k"})->type, RedisReply::Type::nil);

  // After a reconnect the database is selected again.
  server.kill();
  ASSERT_TRUE(run_until([&] { return !in5->up() && !in0->up(); }));
  server.start();
  ASSERT_TRUE(run_until([&] { return in5->up() && in0->up(); }));
  EXPECT_EQ(text(call(*in5, {"SET", "k2", "five"})), "OK");
  EXPECT_EQ(call(*in0, {"EXISTS", "k2"})->integer, 0);
  EXPECT_EQ(text(call(*in5, {"GET", "k2"})), "five");
}

TEST_F(RedisClientIT, ConnectsOverAUnixSocket) {
  RedisServer server({.args = {}, .unix_socket = true});
  RedisConfig config;
  config.unix_socket = server.socket_path();
  auto client = make_client(config);
  client->start();
  EXPECT_EQ(text(call(*client, {"ECHO", "over unix"})), "over unix");
  EXPECT_NE(logs().find("connected to unix:" + server.socket_path().string()), std::string::npos)
      << logs();
}

TEST_F(RedisClientIT, ConnectTimesOutAgainstAnEndpointThatNeverAnswers) {
  SilentListener silent;
  auto client = make_client(tcp_config(silent.port(), 200ms));
  client->start();
  const auto t0 = std::chrono::steady_clock::now();
  const Result r = call(*client, {"GET", "x"});
  const auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, Kind::timeout) << r.error().detail;
  EXPECT_GE(waited, 200ms);
  EXPECT_LT(waited, 1500ms);
  EXPECT_EQ(errors("GET"), 1);

  // Attempts keep failing, the circuit opens, and then calls fail fast --
  // posted, never inline.
  ASSERT_TRUE(run_until([&] { return client->circuit_open(); }));
  EXPECT_EQ(circuit_gauge(), 1);
  EXPECT_EQ(up_gauge(), 0);
  EXPECT_NE(logs().find("cannot connect to 127.0.0.1:" + std::to_string(silent.port()) +
                        ": no answer to PING within 200 ms"),
            std::string::npos)
      << logs();
  std::optional<Result> fast_fail;
  client->command("get", {"GET", "x"}, [&](const Result& res) { fast_fail = res; });
  EXPECT_FALSE(fast_fail.has_value()) << "a failure must not run inline";
  ASSERT_TRUE(run_until([&] { return fast_fail.has_value(); }, 100ms));
  EXPECT_EQ(fast_fail->error().kind, Kind::circuit_open);
}

TEST_F(RedisClientIT, ASlowCommandTimesOutBreaksTheConnectionAndTheClientRecovers) {
  RedisServer server;
  auto client = make_client(tcp_config(server.port(), 200ms));
  int connected = 0;
  client->on_connected([&] { ++connected; });
  client->start();
  ASSERT_TRUE(run_until([&] { return client->up(); }));

  std::optional<Result> slow, behind;
  const auto t0 = std::chrono::steady_clock::now();
  client->command("debug", {"DEBUG", "SLEEP", "0.6"}, [&](const Result& r) { slow = r; });
  run_for(50ms);  // the second command is younger
  client->command("get", {"GET", "x"}, [&](const Result& r) { behind = r; });
  ASSERT_TRUE(run_until([&] { return slow && behind; }));
  const auto took = std::chrono::steady_clock::now() - t0;

  ASSERT_FALSE(*slow);
  EXPECT_EQ(slow->error().kind, Kind::timeout) << slow->error().detail;
  ASSERT_FALSE(*behind);
  EXPECT_EQ(behind->error().kind, Kind::disconnected) << behind->error().detail;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 500ms) << "failed by the client's timer, not by Redis waking up";
  EXPECT_EQ(errors("debug"), 1);
  EXPECT_EQ(errors("get"), 1);
  EXPECT_NE(logs().find("connection to 127.0.0.1:" + std::to_string(server.port()) +
                        " lost: 'debug' not answered within 200 ms"),
            std::string::npos)
      << logs();

  // Redis wakes up; the client reconnects by itself.
  ASSERT_TRUE(run_until([&] { return client->up() && connected == 2; }));
  EXPECT_EQ(text(call(*client, {"PING"})), "PONG");
  EXPECT_FALSE(client->circuit_open());
}

TEST_F(RedisClientIT, KilledServerFailsInFlightCommandsThenRecoversAfterRestart) {
  RedisServer server;
  RedisConfig config = tcp_config(server.port());
  config.db = 2;
  auto client = make_client(config);
  int connected = 0;
  client->on_connected([&] { ++connected; });
  client->start();

  constexpr int kBurst = 4000;
  int ok = 0;
  std::map<Kind, int> failed;
  auto count = [&](const Result& r) { r ? ++ok : ++failed[r.error().kind]; };
  for (int i = 0; i < kBurst; ++i) client->command("rpush", {"RPUSH", "q", "x"}, count);
  ASSERT_TRUE(run_until([&] { return ok == kBurst; }));

  // A second burst goes onto the wire while Redis is frozen, then Redis dies.
  server.pause();
  for (int i = 0; i < kBurst; ++i) client->command("rpush", {"RPUSH", "q", "y"}, count);
  io_.poll();  // the client writes them out
  ASSERT_EQ(client->pending(), static_cast<std::size_t>(kBurst));
  server.kill();

  ASSERT_TRUE(run_until([&] { return client->pending() == 0; }, 2s)) << "no command may hang";
  EXPECT_EQ(ok, kBurst);
  EXPECT_EQ(failed[Kind::disconnected], kBurst);
  EXPECT_EQ(errors("rpush"), kBurst);
  EXPECT_FALSE(client->up());
  EXPECT_EQ(up_gauge(), 0);

  // Reconnects are refused; after three failures the circuit opens.
  ASSERT_TRUE(run_until([&] { return client->circuit_open(); }));
  EXPECT_EQ(circuit_gauge(), 1);
  EXPECT_EQ(call(*client, {"GET", "x"}).error().kind, Kind::circuit_open);

  // Redis comes back on the same port: the client reconnects on its own.
  server.start();
  ASSERT_TRUE(run_until([&] { return client->up(); }));
  EXPECT_EQ(connected, 2) << "on_connected runs again after the reconnect";
  EXPECT_FALSE(client->circuit_open());
  EXPECT_EQ(up_gauge(), 1);
  EXPECT_EQ(circuit_gauge(), 0);
  EXPECT_EQ(text(call(*client, {"SET", "after", "restart"})), "OK");
  EXPECT_NE(logs().find("lost: "), std::string::npos) << logs();
  EXPECT_NE(logs().find("circuit open after 3 consecutive failures"), std::string::npos) << logs();
  EXPECT_NE(logs().find("again after"), std::string::npos) << logs();
  EXPECT_NE(logs().find("circuit closed"), std::string::npos) << logs();
}

TEST_F(RedisClientIT, SubscriberReceivesMessagesAndResubscribesAfterARestart) {
  RedisServer server;
  auto options = fast();
  options.report_health = false;
  auto sub = make_client(tcp_config(server.port()), options, "redis-sub");
  auto pub = make_client(tcp_config(server.port()));
  std::vector<std::string> received;
  int subscribed = 0;
  sub->subscribe("vitalsd:patient-updated", [&](std::string_view m) { received.emplace_back(m); });
  sub->on_connected([&] { ++subscribed; });
  sub->start();
  pub->start();
  ASSERT_TRUE(run_until([&] { return subscribed == 1 && pub->up(); }));

  EXPECT_EQ(call(*pub, {"PUBLISH", "vitalsd:patient-updated", "p-001"})->integer, 1);
  EXPECT_EQ(call(*pub, {"PUBLISH", "other-channel", "ignored"})->integer, 0);
  ASSERT_TRUE(run_until([&] { return received.size() == 1; }));
  EXPECT_EQ(received[0], "p-001");

  std::optional<Result> refused;
  sub->command("get", {"GET", "x"}, [&](const Result& r) { refused = r; });
  ASSERT_TRUE(run_until([&] { return refused.has_value(); }));
  EXPECT_FALSE(*refused) << "a subscriber connection sends no commands";

  server.kill();
  server.start();
  ASSERT_TRUE(run_until([&] { return subscribed == 2 && pub->up(); }));
  EXPECT_EQ(call(*pub, {"PUBLISH", "vitalsd:patient-updated", "p-002"})->integer, 1);
  ASSERT_TRUE(run_until([&] { return received.size() == 2; }));
  EXPECT_EQ(received[1], "p-002");

  // Only the command connection drives the health gauges.
  sub->stop();
  EXPECT_EQ(up_gauge(), 1);
}

TEST_F(RedisClientIT, StopAndDestructorFailPendingCommandsExactlyOnce) {
  RedisServer server;
  auto client = make_client(tcp_config(server.port(), 2000ms));
  client->start();
  ASSERT_TRUE(run_until([&] { return client->up(); }));

  std::vector<int> calls(11, 0);
  std::vector<Kind> kinds(11, Kind::disconnected);
  auto record = [&](int i) {
    return [&, i](const Result& r) {
      ++calls[i];
      kinds[i] = r ? Kind::disconnected : r.error().kind;
      EXPECT_FALSE(r) << "command " << i << " should not have been answered";
    };
  };
  client->command("debug", {"DEBUG", "SLEEP", "0.2"}, record(0));
  for (int i = 1; i < 11; ++i) client->command("get", {"GET", "x"}, record(i));
  io_.poll();

  client->stop();
  for (int i = 0; i < 11; ++i) {
    EXPECT_EQ(calls[i], 1) << "callback " << i << " runs inline in stop(), once";
    EXPECT_EQ(kinds[i], Kind::stopped);
  }
  client->stop();  // idempotent
  EXPECT_FALSE(client->up());
  EXPECT_EQ(up_gauge(), 0);

  std::optional<Result> after;
  client->command("get", {"GET", "x"}, [&](const Result& r) { after = r; });
  ASSERT_TRUE(run_until([&] { return after.has_value(); }));
  EXPECT_EQ(after->error().kind, Kind::stopped);
  // Redis wakes up and would have answered by now; nothing runs twice.
  run_for(250ms);
  for (int i = 0; i < 11; ++i) EXPECT_EQ(calls[i], 1);

  // A client destroyed without stop() behaves the same.
  int destroyed_calls = 0;
  {
    auto other = make_client(tcp_config(server.port(), 2000ms));
    other->start();
    ASSERT_TRUE(run_until([&] { return other->up(); }));
    other->command("debug", {"DEBUG", "SLEEP", "0.1"}, [&](const Result& r) {
      ++destroyed_calls;
      EXPECT_EQ(r.error().kind, Kind::stopped);
    });
  }
  EXPECT_EQ(destroyed_calls, 1);
  io_.poll();  // handlers the client left queued run harmlessly
  EXPECT_EQ(destroyed_calls, 1);
}

// hiredis calls back from inside its own read handler; the client must cope
// with callers that issue commands or stop it from there, mid-teardown included.
TEST_F(RedisClientIT, CallbacksMayIssueCommandsAndStopTheClient) {
  RedisServer server;

  // A chain: each reply issues the next command.
  auto chain = make_client(tcp_config(server.port()));
  chain->start();
  int chained = 0;
  std::function<void(const Result&)> next = [&](const Result& r) {
    EXPECT_TRUE(r);
    if (++chained < 100) chain->command("incr", {"INCR", "c"}, next);
  };
  chain->command("incr", {"INCR", "c"}, next);
  ASSERT_TRUE(run_until([&] { return chained == 100; }));

  // stop() inside a reply callback, with replies still due behind it.
  int answered = 0;
  std::vector<Kind> behind;
  chain->command("get", {"GET", "c"}, [&](const Result& r) {
    answered += r ? 1 : 0;
    chain->stop();
  });
  for (int i = 0; i < 50; ++i) {
    chain->command("get", {"GET", "c"}, [&](const Result& r) {
      behind.push_back(r ? Kind::disconnected : r.error().kind);
    });
  }
  ASSERT_TRUE(run_until([&] { return behind.size() == 50; }));
  EXPECT_EQ(answered, 1);
  EXPECT_EQ(std::count(behind.begin(), behind.end(), Kind::stopped), 50);
  EXPECT_FALSE(chain->up());

  // stop() inside on_connected.
  auto quitter = make_client(tcp_config(server.port()));
  bool quit = false;
  quitter->on_connected([&] {
    quit = true;
    quitter->stop();
  });
  quitter->start();
  ASSERT_TRUE(run_until([&] { return quit; }));
  EXPECT_FALSE(quitter->up());
  std::optional<Result> after_quit;
  quitter->command("get", {"GET", "c"}, [&](const Result& r) { after_quit = r; });
  ASSERT_TRUE(run_until([&] { return after_quit.has_value(); }));
  EXPECT_EQ(after_quit->error().kind, Kind::stopped);

  // A subscriber's message handler stops its client.
  auto sub = make_client(tcp_config(server.port()), fast(), "redis-sub");
  auto pub = make_client(tcp_config(server.port()));
  int messages = 0;
  sub->subscribe("ch", [&](std::string_view) {
    ++messages;
    sub->stop();
  });
  int subscribed = 0;
  sub->on_connected([&] { ++subscribed; });
  sub->start();
  pub->start();
  ASSERT_TRUE(run_until([&] { return subscribed == 1 && pub->up(); }));
  EXPECT_EQ(call(*pub, {"PUBLISH", "ch", "1"})->integer, 1);
  ASSERT_TRUE(run_until([&] { return messages == 1; }));
  ASSERT_TRUE(run_until([&] {
    return call(*pub, {"PUBLISH", "ch", "2"})->integer == 0;
  })) << "the stopped subscriber has left";
  EXPECT_EQ(messages, 1);

  // Failure callbacks during a lost connection issue commands, and one of
  // them stops the client while hiredis is still failing the others.
  auto lossy = make_client(tcp_config(server.port()));
  lossy->start();
  ASSERT_TRUE(run_until([&] { return lossy->up(); }));
  server.pause();
  std::vector<Kind> lost, followups;
  for (int i = 0; i < 10; ++i) {
    lossy->command("get", {"GET", "x"}, [&](const Result& r) {
      lost.push_back(r ? Kind::disconnected : r.error().kind);
      lossy->command("get", {"GET", "y"}, [&](const Result& f) {
        followups.push_back(f ? Kind::disconnected : f.error().kind);
      });
      if (lost.size() == 5) lossy->stop();
    });
  }
  io_.poll();
  server.kill();
  ASSERT_TRUE(run_until([&] { return lost.size() == 10 && followups.size() == 10; }));
  EXPECT_EQ(std::count(lost.begin(), lost.end(), Kind::disconnected), 5);
  EXPECT_EQ(std::count(lost.begin(), lost.end(), Kind::stopped), 5);
  EXPECT_EQ(std::count(followups.begin(), followups.end(), Kind::stopped), 10);
  EXPECT_EQ(lossy->pending(), 0u);
}

}  // namespace
}  // namespace vitalsd
