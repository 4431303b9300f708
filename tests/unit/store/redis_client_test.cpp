// RedisClient behaviour that needs no server: refusals, posting, stop() and
// the destructor before any connection exists. Everything with a server is
// in tests/integration/store/.
#include "store/redis_client.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include <boost/asio/io_context.hpp>
#include <optional>

#include "telemetry/metrics.h"

namespace vitalsd {
namespace {

using Result = Expected<RedisReply, RedisFailure>;
using Kind = RedisFailure::Kind;

class RedisClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<RedisClient> make_client(RedisClient::Options options = {}) {
    return std::make_unique<RedisClient>(io_, RedisConfig{}, options, log_, metrics_, "redis");
  }

  // Runs whatever is ready, even after an earlier poll() ran out of work.
  void poll() {
    io_.restart();
    io_.poll();
  }

  boost::asio::io_context io_;
  spdlog::logger log_{"test", std::make_shared<spdlog::sinks::null_sink_st>()};
  Metrics metrics_{1};
};

TEST_F(RedisClientTest, RefusedCommandsFailWithAReasonPostedNotInline) {
  auto client = make_client();
  std::vector<Result> results;
  auto keep = [&](const Result& r) { results.push_back(r); };
  client->command("sub", {"subscribe", "ch"}, keep);
  client->command("select", {"SELECT", "3"}, keep);
  client->command("empty", {}, keep);
  EXPECT_TRUE(results.empty()) << "never inline";
  poll();
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, Kind::disconnected);
  }
  EXPECT_NE(results[0].error().detail.find("subscribe()"), std::string::npos);
  EXPECT_NE(results[1].error().detail.find("RedisConfig"), std::string::npos);
  EXPECT_EQ(metrics_.redis_errors("sub").Value(), 1);
  EXPECT_EQ(client->pending(), 0u);
}

TEST_F(RedisClientTest, CommandsWaitForTheConnectionAndStopFailsThemInlineOnce) {
  auto client = make_client();
  std::vector<Kind> kinds;
  for (int i = 0; i < 3; ++i) {
    client->command("get", {"GET", "k"}, [&](const Result& r) { kinds.push_back(r.error().kind); });
  }
  EXPECT_EQ(client->pending(), 3u);
  poll();
  EXPECT_TRUE(kinds.empty());

  client->stop();
  EXPECT_EQ(kinds, (std::vector<Kind>{Kind::stopped, Kind::stopped, Kind::stopped}));
  EXPECT_EQ(client->pending(), 0u);
  client->stop();
  poll();
  EXPECT_EQ(kinds.size(), 3u);

  std::optional<Result> after;
  client->command("get", {"GET", "k"}, [&](const Result& r) { after = r; });
  EXPECT_FALSE(after);
  poll();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->error().kind, Kind::stopped);
  EXPECT_EQ(metrics_.redis_errors("get").Value(), 4);
}

TEST_F(RedisClientTest, TheDestructorFailsWhatIsPending) {
  std::optional<Result> result;
  make_client()->command("get", {"GET", "k"}, [&](const Result& r) { result = r; });
  ASSERT_TRUE(result);
  EXPECT_EQ(result->error().kind, Kind::stopped);
  poll();  // whatever the client left queued runs harmlessly
}

TEST_F(RedisClientTest, ASubscriberSendsNoCommands) {
  auto client = make_client();
  client->subscribe("ch", [](std::string_view) {});
  std::optional<Result> result;
  client->command("get", {"GET", "k"}, [&](const Result& r) { result = r; });
  poll();
  ASSERT_TRUE(result);
  EXPECT_NE(result->error().detail.find("subscriber"), std::string::npos);
}

TEST_F(RedisClientTest, OnlyAClientThatReportsHealthTouchesTheGauges) {
  metrics_.redis_up().Set(7);
  metrics_.redis_circuit_open().Set(7);
  RedisClient::Options quiet;
  quiet.report_health = false;
  {
    auto sub = make_client(quiet);
    sub->stop();
  }
  EXPECT_EQ(metrics_.redis_up().Value(), 7);
  EXPECT_EQ(metrics_.redis_circuit_open().Value(), 7);
  auto cmd = make_client();
  EXPECT_EQ(metrics_.redis_up().Value(), 0);
  EXPECT_EQ(metrics_.redis_circuit_open().Value(), 0);
}

}  // namespace
}  // namespace vitalsd
