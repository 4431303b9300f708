// Reconnect backoff: capped exponential, with jitter so that clients that lost
// Redis together do not all come back in the same millisecond.
#pragma once

#include <chrono>

namespace vitalsd {

// The wait before the next connect attempt after `failed_attempts` (>= 1)
// consecutive failures: min_backoff doubled per further failure, capped at
// max_backoff, then spread by +-25% using `jitter` (uniform in [0, 1)) and kept
// within [min_backoff, max_backoff].
std::chrono::milliseconds backoff_delay(int failed_attempts, std::chrono::milliseconds min_backoff,
                                        std::chrono::milliseconds max_backoff, double jitter);

}  // namespace vitalsd
