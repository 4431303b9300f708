// StateRestorer: reads back, at start-up, what vitalsd needs to carry on
// where it stopped (SPEC §5): every active alert (<prefix>active:* hashes)
// and each patient's newest processed reading time (`ts` of
// <prefix>latest:*). Runs before readings are consumed, so a standing alert
// is neither raised again nor forgotten.
//
// Threads: run() on the event loop; `done` runs there once.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "analysis/episode.h"
#include "common/patient_id.h"
#include "store/redis_commands.h"

namespace vitalsd {

struct RestoredAlert {
  PatientId patient;
  std::string rule;
  std::string metric;  // as published
  Episode episode;
  std::string json;    // the hash value as read, to write back if Redis loses it
};

struct RestoredState {
  std::vector<RestoredAlert> alerts;
  std::vector<std::pair<PatientId, std::int64_t>> last_ts;
  bool complete = false;  // false: Redis failed part-way; what is here is still valid
  std::vector<std::string> problems;  // entries that could not be read, for the log
};

class StateRestorer {
 public:
  StateRestorer(RedisCommands& redis, std::string key_prefix);
  void run(std::function<void(RestoredState)> done);

 private:
  struct Run;
  RedisCommands& redis_;
  const std::string prefix_;
};

// Decodes one active-alert hash value (the alert JSON vitalsd wrote).
// Exposed for tests.
struct DecodedActiveAlert {
  Episode episode;
  std::string metric;
};
std::optional<DecodedActiveAlert> decode_active_alert(std::string_view json, std::string* problem);

}  // namespace vitalsd
