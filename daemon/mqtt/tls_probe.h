// TLS probe: explains why a TLS connection to the broker failed.
//
// Paho reports every TCP or TLS failure with the same code (-1), so a broker
// certificate from the wrong CA, a listener that requires a client
// certificate and a broker that is simply down all look alike. Paho C++ 1.2's
// TLS error callback cannot be used instead: it reads a connect_options copy
// that is gone by the time the handshake fails (eclipse-paho/paho.mqtt.cpp#325,
// a crash). So after a failed first connect over TLS, vitalsd makes one TLS
// handshake of its own, with the same CA, client certificate and host check
// as Paho, and logs OpenSSL's reason.
//
// Blocking (bounded by `timeout`); call it off Paho's and the event loop's
// threads. Sends nothing after the handshake: no credentials are involved.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace vitalsd {

struct TlsEndpoint {
  std::string host;  // without IPv6 brackets
  std::string port;
};

// Host and port of a ssl://, mqtts:// or wss:// URI (default port 8883, or
// 443 for wss://); nullopt for any other scheme or an empty host.
std::optional<TlsEndpoint> tls_endpoint(std::string_view uri);

// One sentence saying what went wrong, e.g. "the broker's certificate is not
// trusted: self-signed certificate in certificate chain (check
// mqtt.ca_file)", or that the handshake succeeded.
std::string probe_tls(const TlsEndpoint& endpoint, const MqttConfig& config,
                      std::chrono::milliseconds timeout);

}  // namespace vitalsd
