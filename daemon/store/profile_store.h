// ProfileStore: reads patient profiles from Redis (HGETALL
// <key_prefix>patient:<id>) for the workers' cache-aside caches.
//
// fetch() may be called from any thread; the lookup runs on the event loop
// and the answer is handed to the callback there. Redis failing or slow
// yields `unavailable` (within the Redis timeout), never a wait.
#pragma once

#include <functional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <spdlog/logger.h>

#include "analysis/profile_requester.h"
#include "common/patient_id.h"
#include "store/redis_commands.h"

namespace vitalsd {

class ProfileStore final : public ProfileService {
 public:
  ProfileStore(boost::asio::io_context& io, RedisCommands& redis, std::string key_prefix,
               spdlog::logger& log);

  void fetch(const PatientId& patient, std::function<void(ProfileAnswer)> done) override;

 private:
  void lookup(const PatientId& patient, std::function<void(ProfileAnswer)> done);

  boost::asio::io_context& io_;
  RedisCommands& redis_;
  const std::string key_prefix_;
  spdlog::logger& log_;
};

}  // namespace vitalsd
