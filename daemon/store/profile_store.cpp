#include "store/profile_store.h"

#include <boost/asio/post.hpp>

#include "store/profile_codec.h"

namespace vitalsd {

ProfileStore::ProfileStore(boost::asio::io_context& io, RedisCommands& redis,
                           std::string key_prefix, spdlog::logger& log)
    : io_(io), redis_(redis), key_prefix_(std::move(key_prefix)), log_(log) {}

void ProfileStore::fetch(const PatientId& patient, std::function<void(ProfileAnswer)> done) {
  boost::asio::post(io_, [this, patient, done = std::move(done)]() mutable {
    lookup(patient, std::move(done));
  });
}

void ProfileStore::lookup(const PatientId& patient, std::function<void(ProfileAnswer)> done) {
  std::vector<std::string> argv = {"HGETALL", key_prefix_ + "patient:" + patient.str()};
  redis_.command("profile_get", std::move(argv),
                 [this, patient, done = std::move(done)](
                     const Expected<RedisReply, RedisFailure>& reply) {
                   if (!reply || reply->type != RedisReply::Type::array) {
                     done({ProfileAnswer::Kind::unavailable, nullptr});
                     return;
                   }
                   const auto& items = reply->elements;
                   if (items.empty()) {
                     done({ProfileAnswer::Kind::absent, nullptr});
                     return;
                   }
                   std::vector<std::pair<std::string, std::string>> fields;
                   for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
                     fields.emplace_back(items[i].str, items[i + 1].str);
                   }
                   DecodedProfile decoded = decode_profile(fields);
                   for (const auto& p : decoded.problems) {
                     log_.warn("profile of {}: ignoring {}", patient.view(), p);
                   }
                   done({ProfileAnswer::Kind::found,
                         std::make_shared<const PatientProfile>(std::move(decoded.profile))});
                 });
}

}  // namespace vitalsd
