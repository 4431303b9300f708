// Pipelined throughput of one RedisClient connection.
//
//   redis-server --port 6390 --save "" --appendonly no &
//   build/bench/redis_client_bench --port 6390 [--count 100000] [--op xadd|rpush]
//
// Issues --count commands of a realistic size (an alert as vitalsd appends it
// to its stream, or the same JSON pushed onto a list) in batches: a batch is
// issued in one go, the next when the last reply of the previous one has come
// back. Prints commands per second for a few batch sizes.
#include <spdlog/sinks/stdout_sinks.h>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "store/redis_client.h"
#include "telemetry/metrics.h"

namespace {

using vitalsd::RedisClient;
using Result = vitalsd::Expected<vitalsd::RedisReply, vitalsd::RedisFailure>;

const std::string kAlertJson =
    R"({"id":"5f0c2a9e8b7d4c1e","patient":"p-001","rule":"spo2_low","metric":"spo2",)"
    R"("state":"raised","severity":"medium","value":89,"threshold":90,)"
    R"("reading_ts":"2026-11-21T10:00:00.123Z","emitted_ts":"2026-11-21T10:00:00.125Z",)"
    R"("device":"wb-0042"})";

std::vector<std::string> make_command(std::string_view op) {
  if (op == "rpush") return {"RPUSH", "vitalsd:bench:list", kAlertJson};
  return {"XADD",    "vitalsd:bench:alerts",
          "MAXLEN",  "~",
          "1000000", "*",
          "json",    kAlertJson,
          "patient", "p-001",
          "rule",    "spo2_low",
          "state",   "raised"};
}

}  // namespace

int main(int argc, char** argv) {
  vitalsd::RedisConfig config;
  config.timeout = std::chrono::seconds(5);
  long count = 100'000;
  std::string op = "xadd";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--port") {
      config.port = std::atoi(value);
    } else if (flag == "--host") {
      config.host = value;
    } else if (flag == "--count") {
      count = std::atol(value);
    } else if (flag == "--op") {
      op = value;
    } else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }

  boost::asio::io_context io;
  spdlog::logger log("bench", std::make_shared<spdlog::sinks::stderr_sink_st>());
  vitalsd::Metrics metrics(1);
  RedisClient client(io, config, {}, log, metrics, "redis");
  client.start();
  const auto connect_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!client.up() && std::chrono::steady_clock::now() < connect_deadline) {
    io.run_one_for(std::chrono::milliseconds(10));
  }
  if (!client.up()) {
    std::fprintf(stderr, "cannot connect to %s:%d\n", config.host.c_str(), config.port);
    return 1;
  }

  std::printf("%ld %s commands (%zu-byte alert JSON) over one connection\n", count, op.c_str(),
              kAlertJson.size());
  for (long batch : {100L, 1'000L, 10'000L}) {
    long done = 0;
    long failed = 0;
    long issued = 0;
    const auto t0 = std::chrono::steady_clock::now();
    while (done < count) {
      const long n = std::min(batch, count - issued);
      long answered = 0;
      for (long i = 0; i < n; ++i) {
        client.command(op, make_command(op), [&](const Result& r) {
          ++answered;
          if (!r || r->is_error()) ++failed;
        });
      }
      issued += n;
      while (answered < n) io.run_one();
      done += n;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("  batch %6ld: %8.0f commands/s (%.2f s, %ld failed)\n", batch,
                static_cast<double>(count) / seconds, seconds, failed);
  }
  client.stop();
  return 0;
}
