// The ceiling for the end-to-end bench: a Paho subscriber that only counts
// readings. Whatever rate it reaches is what the broker (and the publisher
// sharing the machine) can deliver to one Paho client here; vitalsd is
// judged as a share of it. Prints {"received","rate","first_ns","last_ns","cpu_s"}.
//
//   build/bench/ceiling_sub --broker tcp://127.0.0.1:1883 --qos 1 --count 100000
#include "mqtt_counter.h"

int main(int argc, char** argv) {
  using namespace vitalsd::bench;
  const CounterOptions o = parse_counter_options(argc, argv, "vitals/+");
  const CountResult r = run_counter(o, nullptr);
  std::printf(R"({"received":%llu,"rate":%.1f,"first_ns":%lld,"last_ns":%lld,"cpu_s":%.3f})" "\n",
              static_cast<unsigned long long>(r.received), r.rate(),
              static_cast<long long>(r.first_ns), static_cast<long long>(r.last_ns), r.cpu_s);
  return 0;
}
