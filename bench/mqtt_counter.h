// MqttCounter: the smallest useful Paho subscriber, shared by the e2e
// bench's probes (ceiling_sub, alert_latency_sub). It subscribes, counts
// what arrives, hands each message to an optional observer on Paho's
// delivery thread, and prints a one-line JSON summary when done.
//
// Done means: `--count` messages received, SIGINT/SIGTERM, or `--timeout`
// seconds since start. "subscribed" is printed on stdout once the broker
// granted the subscription, so a driver knows when to start publishing.
#pragma once

#include <mqtt/async_client.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace vitalsd::bench {

struct CounterOptions {
  std::string broker = "tcp://127.0.0.1:1883";
  std::string topic;
  int qos = 1;
  std::uint64_t count = 0;  // 0: until signalled or timed out
  double timeout_s = 600;
  std::string client_id;
};

// --broker URI --topic FILTER --qos 0|1 --count N --timeout SECONDS --client-id ID
inline CounterOptions parse_counter_options(int argc, char** argv, const char* default_topic) {
  CounterOptions o;
  o.topic = default_topic;
  o.client_id = std::string("bench-probe-") + std::to_string(::getpid());
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "option %s needs a value\n", argv[i]);
      std::exit(2);
    }
    const char* v = argv[++i];
    if (a == "--broker") o.broker = v;
    else if (a == "--topic") o.topic = v;
    else if (a == "--qos") o.qos = std::atoi(v);
    else if (a == "--count") o.count = std::strtoull(v, nullptr, 10);
    else if (a == "--timeout") o.timeout_s = std::atof(v);
    else if (a == "--client-id") o.client_id = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i - 1]);
      std::exit(2);
    }
  }
  if (o.qos < 0 || o.qos > 1) {
    std::fprintf(stderr, "--qos must be 0 or 1\n");
    std::exit(2);
  }
  return o;
}

inline std::atomic<bool> g_stop{false};  // set by SIGINT/SIGTERM
inline void on_stop_signal(int) { g_stop = true; }

inline std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

struct CountResult {
  std::uint64_t received = 0;
  std::int64_t first_ns = 0;  // wall clock of the first and last message
  std::int64_t last_ns = 0;
  double cpu_s = 0;           // this process, start to finish
  double rate() const {
    return received > 1 && last_ns > first_ns
               ? static_cast<double>(received - 1) * 1e9 / static_cast<double>(last_ns - first_ns)
               : 0;
  }
};

// Runs until done; `observe` (may be empty) sees every message with its receipt time.
inline CountResult run_counter(
    const CounterOptions& o,
    const std::function<void(std::string_view payload, std::int64_t received_ns)>& observe) {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::atomic<std::uint64_t> received{0};
  std::atomic<std::int64_t> first_ns{0}, last_ns{0};
  mqtt::async_client client(o.broker, o.client_id, mqtt::create_options(MQTTVERSION_3_1_1));
  client.set_message_callback([&](mqtt::const_message_ptr msg) {
    const std::int64_t now = wall_ns();
    if (observe) observe(msg->get_payload_str(), now);
    if (received.fetch_add(1, std::memory_order_relaxed) == 0) first_ns = now;
    last_ns.store(now, std::memory_order_relaxed);
  });
  try {
    auto opts = mqtt::connect_options_builder().clean_session(true).keep_alive_interval(
        std::chrono::seconds(30)).finalize();
    client.connect(opts)->wait();
    client.subscribe(o.topic, o.qos)->wait();
  } catch (const mqtt::exception& e) {
    std::fprintf(stderr, "mqtt: %s\n", e.what());
    std::exit(1);
  }
  std::printf("subscribed\n");
  std::fflush(stdout);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<std::int64_t>(o.timeout_s * 1000));
  // Progress on stderr (only when it changed), so a driver can wait for a
  // count it learns later, e.g. the alerts vitalsd says it published.
  std::uint64_t reported = 0;
  auto next_report = std::chrono::steady_clock::now();
  while (!g_stop && std::chrono::steady_clock::now() < deadline &&
         (o.count == 0 || received.load() < o.count)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (std::chrono::steady_clock::now() >= next_report && received.load() != reported) {
      reported = received.load();
      std::fprintf(stderr, "received %llu\n", static_cast<unsigned long long>(reported));
      next_report = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    }
  }
  CountResult r;
  r.received = received.load();
  r.first_ns = first_ns.load();
  r.last_ns = last_ns.load();
  r.cpu_s = cpu_seconds();
  try {
    client.disconnect()->wait_for(std::chrono::seconds(2));
  } catch (const mqtt::exception&) {
  }
  return r;
}

// The p-quantile (0..1) of an ascending vector, nearest rank; 0 if empty.
inline double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace vitalsd::bench
