// Nagle off for the publisher's broker connections.
//
// vitals-pub plays a whole ward over one or a few MQTT connections. Paho C
// 1.3 never sets TCP_NODELAY, so with Nagle's algorithm on, a small PUBLISH
// written while an earlier segment is unacknowledged waits for the broker's
// ACK. At QoS 0 the broker sends nothing back, so that ACK is a delayed one,
// up to 40 ms on Linux: measured at 10,000 readings/s QoS 0, alert latency p50
// went from 25.5 ms to 1.2-1.4 ms with Nagle off, p99 from 40 ms to 2-22 ms
// (bench/README.md). No real device,
// each on its own connection sending about once a second, sees that stall,
// so the simulator must not add it to every latency it is used to measure.
#pragma once

#include <cstddef>

namespace vitals_pub {

// Paho has no hook for socket options, so this sets TCP_NODELAY on every TCP
// socket the process has open (call it after each connect; already-set ones
// are unaffected). Returns how many sockets it was set on.
std::size_t set_tcp_nodelay_on_open_sockets();

}  // namespace vitals_pub
