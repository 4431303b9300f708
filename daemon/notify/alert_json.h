// The alert message of SPEC §5, written without a DOM.
#pragma once

#include <string>

#include "analysis/alert_event.h"

namespace vitalsd {

// Replaces `out` with the JSON of `event`. Reuses out's capacity, so a
// caller that keeps one buffer encodes without allocating.
void encode_alert_json(const AlertEvent& event, std::string& out);

}  // namespace vitalsd
