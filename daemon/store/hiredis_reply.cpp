#include "store/hiredis_reply.h"

namespace vitalsd {

RedisReply to_redis_reply(const redisReply& reply) {
  RedisReply out;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::string;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::status;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::error;
      out.str.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      // hiredis's reader nests at most 7 levels deep, so the recursion is bounded.
      out.type = RedisReply::Type::array;
      out.elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i) {
        out.elements.push_back(to_redis_reply(*reply.element[i]));
      }
      break;
    case REDIS_REPLY_NIL:
    default:  // hiredis 0.14 speaks RESP2 only: there is no other type
      out.type = RedisReply::Type::nil;
      break;
  }
  return out;
}

}  // namespace vitalsd
