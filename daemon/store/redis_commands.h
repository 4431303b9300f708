// RedisCommands: the narrow interface the store components use to talk to
// Redis, so their logic is unit-tested against a recording fake. RedisClient
// is the real implementation.
//
// Threads: io_context thread only (like RedisClient).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/redis_client.h"

namespace vitalsd {

class RedisCommands {
 public:
  using Callback = RedisClient::Callback;
  virtual ~RedisCommands() = default;
  // See RedisClient::command: the callback runs exactly once, never inline.
  virtual void command(std::string_view op, std::vector<std::string> argv, Callback callback) = 0;
  // True while the connection is up and the circuit closed.
  virtual bool up() const = 0;
};

// RedisClient as RedisCommands.
class RedisClientCommands final : public RedisCommands {
 public:
  explicit RedisClientCommands(RedisClient& client) : client_(client) {}
  void command(std::string_view op, std::vector<std::string> argv, Callback callback) override {
    client_.command(op, std::move(argv), std::move(callback));
  }
  bool up() const override { return client_.up() && !client_.circuit_open(); }

 private:
  RedisClient& client_;
};

}  // namespace vitalsd
