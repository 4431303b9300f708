// RedisServer: a private redis-server for one test, on a free loopback port
// (or a unix socket) in its own temporary directory, with persistence off.
//
// Stopped by PID. Every wait is bounded by a deadline; nothing sleeps in
// place of a condition. Restartable on the same port, and pausable with
// SIGSTOP / SIGCONT to play a server that accepts connections but never
// answers.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace vitalsd::testing {

class RedisServer {
 public:
  struct Options {
    std::vector<std::string> args;  // extra redis-server arguments, e.g. {"--requirepass", "x"}
    bool unix_socket = false;       // listen on a unix socket only (no TCP)
  };

  explicit RedisServer(Options options);
  RedisServer() : RedisServer(Options{}) {}
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  const std::filesystem::path& socket_path() const { return socket_path_; }

  // Starts redis-server (again, on the same port or socket) and waits until
  // it accepts connections.
  void start();
  // SIGKILL, then reaps it: connections die without a goodbye.
  void kill();
  void pause();   // SIGSTOP: the kernel still accepts connections, Redis never answers
  void resume();  // SIGCONT

 private:
  bool accepting() const;

  const Options options_;
  std::filesystem::path dir_;
  std::filesystem::path socket_path_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_port();

}  // namespace vitalsd::testing
