// A RedisCommands that records every command and lets the test answer it.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "store/redis_commands.h"

namespace vitalsd::testing {

class FakeRedis final : public RedisCommands {
 public:
  struct Sent {
    std::string op;
    std::vector<std::string> argv;
    Callback callback;
  };

  void command(std::string_view op, std::vector<std::string> argv, Callback callback) override {
    sent.push_back({std::string(op), std::move(argv), std::move(callback)});
  }
  bool up() const override { return is_up; }

  // Answers the oldest unanswered command.
  void reply(RedisReply r) { pop().callback(std::move(r)); }
  void fail(RedisFailure::Kind kind = RedisFailure::Kind::disconnected) {
    pop().callback(unexpected(RedisFailure{kind, "test"}));
  }
  void reply_ok_all() {
    while (!sent.empty()) reply(status("OK"));
  }
  void fail_all(RedisFailure::Kind kind = RedisFailure::Kind::disconnected) {
    while (!sent.empty()) fail(kind);
  }
  std::string first_words(std::size_t i, std::size_t n = 2) const {
    std::string out;
    for (std::size_t k = 0; k < n && k < sent[i].argv.size(); ++k) {
      if (k > 0) out += ' ';
      out += sent[i].argv[k];
    }
    return out;
  }

  static RedisReply status(std::string s) {
    RedisReply r;
    r.type = RedisReply::Type::status;
    r.str = std::move(s);
    return r;
  }
  static RedisReply string(std::string s) {
    RedisReply r;
    r.type = RedisReply::Type::string;
    r.str = std::move(s);
    return r;
  }
  static RedisReply array(std::vector<RedisReply> items) {
    RedisReply r;
    r.type = RedisReply::Type::array;
    r.elements = std::move(items);
    return r;
  }
  static RedisReply error(std::string s) {
    RedisReply r;
    r.type = RedisReply::Type::error;
    r.str = std::move(s);
    return r;
  }

  std::deque<Sent> sent;
  bool is_up = true;

 private:
  Sent pop() {
    Sent s = std::move(sent.front());
    sent.pop_front();
    return s;
  }
};

}  // namespace vitalsd::testing
