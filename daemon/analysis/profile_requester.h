// How an Analyzer asks for a patient's profile (SPEC §4, cache-aside).
//
// request_profile() must not block: the store looks the profile up
// asynchronously and answers through Analyzer::on_profile() on the worker's
// own thread. The Analyzer is the cache: it remembers each patient's profile,
// absent ones included, for the TTL, and never has two requests in flight
// for one patient.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "analysis/patient_profile.h"
#include "common/patient_id.h"

namespace vitalsd {

class ProfileRequester {
 public:
  virtual ~ProfileRequester() = default;
  virtual void request_profile(const PatientId& patient) = 0;
};

// The store's answer to one request.
struct ProfileAnswer {
  enum class Kind : std::uint8_t {
    found,        // the hash exists: `profile` holds it
    absent,       // no hash: defaults (cached like a found profile)
    unavailable,  // Redis down, slow or refusing: keep what we had, ask again soon
  };
  Kind kind = Kind::unavailable;
  std::shared_ptr<const PatientProfile> profile;  // found only
};

// Looks profiles up for all workers (the Redis-backed ProfileStore).
class ProfileService {
 public:
  virtual ~ProfileService() = default;
  // Thread-safe and non-blocking. `done` runs exactly once, on the service's
  // own thread (never the caller's), with the answer.
  virtual void fetch(const PatientId& patient, std::function<void(ProfileAnswer)> done) = 0;
};

// How the Analyzer caches profiles and what it does before the first answer.
struct ProfilePolicy {
  std::chrono::milliseconds ttl{std::chrono::seconds(30)};
  // After `unavailable`, ask again no sooner than this.
  std::chrono::milliseconds retry_after{std::chrono::seconds(5)};
  // A patient's first readings wait at most this long for its profile, so a
  // COPD patient on Scale 2 or a discharged (paused) patient is not alarmed
  // on defaults; other patients are never held up. The store answers within
  // its command timeout, so this is a safety net.
  std::chrono::milliseconds max_hold{std::chrono::seconds(2)};
  std::size_t max_held_readings = 64;
};

}  // namespace vitalsd
