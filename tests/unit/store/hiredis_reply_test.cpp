#include "store/hiredis_reply.h"

#include <gtest/gtest.h>
#include <hiredis/read.h>

#include <memory>
#include <string>

namespace vitalsd {
namespace {

using Type = RedisReply::Type;

// Parses RESP bytes with hiredis's own reader, as the async client does.
RedisReply parse(const std::string& resp) {
  std::unique_ptr<redisReader, decltype(&redisReaderFree)> reader(redisReaderCreate(),
                                                                  &redisReaderFree);
  EXPECT_EQ(redisReaderFeed(reader.get(), resp.data(), resp.size()), REDIS_OK);
  void* raw = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader.get(), &raw), REDIS_OK);
  EXPECT_NE(raw, nullptr) << "incomplete reply: " << resp;
  if (!raw) return {};
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(static_cast<redisReply*>(raw),
                                                                &freeReplyObject);
  return to_redis_reply(*reply);
}

TEST(HiredisReply, ConvertsEveryScalarType) {
  struct Case {
    std::string resp;
    Type type;
    std::string str;
    long long integer;
  };
  const Case cases[] = {
      {"$5\r\nhello\r\n", Type::string, "hello", 0},
      {"$0\r\n\r\n", Type::string, "", 0},
      {std::string("$3\r\na\0b\r\n", 9), Type::string, std::string("a\0b", 3), 0},
      {"+OK\r\n", Type::status, "OK", 0},
      {"-WRONGTYPE Operation against a key\r\n", Type::error, "WRONGTYPE Operation against a key",
       0},
      {":-42\r\n", Type::integer, "", -42},
      {":9223372036854775807\r\n", Type::integer, "", 9223372036854775807LL},
      {"$-1\r\n", Type::nil, "", 0},
      {"*-1\r\n", Type::nil, "", 0},
  };
  for (const auto& c : cases) {
    const RedisReply r = parse(c.resp);
    EXPECT_EQ(r.type, c.type) << c.resp;
    EXPECT_EQ(r.str, c.str) << c.resp;
    EXPECT_EQ(r.integer, c.integer) << c.resp;
    EXPECT_TRUE(r.elements.empty());
    EXPECT_EQ(r.is_error(), c.type == Type::error);
  }
}

TEST(HiredisReply, ConvertsNestedArraysRecursively) {
  // What XRANGE returns: [[id, [field, value, ...]], ...]
  const RedisReply r = parse(
      "*2\r\n"
      "*2\r\n$3\r\n1-0\r\n*2\r\n$4\r\njson\r\n$2\r\n{}\r\n"
      "*3\r\n:7\r\n$-1\r\n*0\r\n");
  ASSERT_EQ(r.type, Type::array);
  ASSERT_EQ(r.elements.size(), 2u);
  const RedisReply& entry = r.elements[0];
  ASSERT_EQ(entry.elements.size(), 2u);
  EXPECT_EQ(entry.elements[0].str, "1-0");
  ASSERT_EQ(entry.elements[1].type, Type::array);
  EXPECT_EQ(entry.elements[1].elements[0].str, "json");
  EXPECT_EQ(entry.elements[1].elements[1].str, "{}");
  const RedisReply& mixed = r.elements[1];
  ASSERT_EQ(mixed.elements.size(), 3u);
  EXPECT_EQ(mixed.elements[0].integer, 7);
  EXPECT_EQ(mixed.elements[1].type, Type::nil);
  EXPECT_EQ(mixed.elements[2].type, Type::array);
  EXPECT_TRUE(mixed.elements[2].elements.empty());
}

}  // namespace
}  // namespace vitalsd
