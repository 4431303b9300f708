// Copies a hiredis reply into a RedisReply, which owns its memory and so can
// outlive the hiredis callback (hiredis frees its reply when the callback
// returns). Arrays are copied recursively.
#pragma once

#include <hiredis/hiredis.h>

#include "store/redis_client.h"

namespace vitalsd {

RedisReply to_redis_reply(const redisReply& reply);

}  // namespace vitalsd
