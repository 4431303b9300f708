#include "tcp_nodelay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace vitals_pub {
namespace {

int nodelay_of(int fd) {
  int value = -1;
  socklen_t len = sizeof value;
  EXPECT_EQ(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &len), 0);
  return value;
}

// A loopback TCP connection whose sockets have Nagle on, as Paho leaves them.
TEST(VitalsPubTcpNodelay, TurnsNagleOffOnOpenTcpSocketsOnly) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int client = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  int unix_pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, unix_pair), 0);
  ASSERT_EQ(nodelay_of(client), 0);

  EXPECT_GE(set_tcp_nodelay_on_open_sockets(), 2u);  // the client and the listener
  EXPECT_EQ(nodelay_of(client), 1);
  int value = 0;
  len = sizeof value;
  EXPECT_NE(getsockopt(unix_pair[0], IPPROTO_TCP, TCP_NODELAY, &value, &len), 0)
      << "a unix socket has no TCP options; it must have been skipped";

  for (int fd : {listener, client, unix_pair[0], unix_pair[1]}) close(fd);
}

}  // namespace
}  // namespace vitals_pub
