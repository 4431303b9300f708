// tls_endpoint: which host and port the TLS probe dials for a broker URI.
// (probe_tls itself runs against real TLS listeners in test_security.py.)
#include "mqtt/tls_probe.h"

#include <gtest/gtest.h>

namespace vitalsd {
namespace {

struct EndpointCase {
  const char* uri;
  const char* host;  // nullptr: not a TLS URI, or unusable
  const char* port;
};

TEST(TlsEndpoint, ReadsHostAndPortOfTlsUris) {
  const EndpointCase cases[] = {
      {"ssl://127.0.0.1:8884", "127.0.0.1", "8884"},
      {"ssl://broker.ward", "broker.ward", "8883"},
      {"mqtts://broker:9000", "broker", "9000"},
      {"wss://broker/mqtt", "broker", "443"},
      {"wss://broker:8443/mqtt", "broker", "8443"},
      {"ssl://[::1]:8883", "::1", "8883"},
      {"ssl://[::1]", "::1", "8883"},
      {"ssl://user@broker:1", "broker", "1"},
      {"tcp://127.0.0.1:1883", nullptr, nullptr},
      {"ws://broker", nullptr, nullptr},
      {"ssl://", nullptr, nullptr},
      {"ssl://:8883", nullptr, nullptr},
      {"ssl://[::1", nullptr, nullptr},
  };
  for (const EndpointCase& c : cases) {
    const auto ep = tls_endpoint(c.uri);
    if (c.host == nullptr) {
      EXPECT_FALSE(ep) << c.uri;
      continue;
    }
    ASSERT_TRUE(ep) << c.uri;
    EXPECT_EQ(ep->host, c.host) << c.uri;
    EXPECT_EQ(ep->port, c.port) << c.uri;
  }
}

TEST(TlsProbe, SaysWhenTheBrokerCannotBeReached) {
  // Port 1 on loopback: nothing listens there, so the connect is refused at once.
  MqttConfig config;
  const std::string why = probe_tls({"127.0.0.1", "1"}, config, std::chrono::seconds(2));
  EXPECT_NE(why.find("cannot reach 127.0.0.1:1"), std::string::npos) << why;
}

TEST(TlsProbe, NamesTheConfigKeyOfAnUnreadableCaFile) {
  MqttConfig config;
  config.ca_file = "/nonexistent/ca.pem";
  const std::string why = probe_tls({"127.0.0.1", "1"}, config, std::chrono::seconds(2));
  EXPECT_NE(why.find("check mqtt.ca_file"), std::string::npos) << why;
}

}  // namespace
}  // namespace vitalsd
