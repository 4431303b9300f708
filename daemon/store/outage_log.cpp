#include "store/outage_log.h"

namespace vitalsd {

namespace {
std::chrono::milliseconds since(OutageLog::Clock::time_point then,
                                OutageLog::Clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - then);
}
}  // namespace

OutageLog::Failure OutageLog::on_failure(Clock::time_point now) {
  Failure f;
  if (!in_outage_) {
    in_outage_ = true;
    since_ = now;
    last_logged_ = now;
    failures_ = 1;
    f.log = true;
    f.first = true;
  } else {
    ++failures_;
    if (now - last_logged_ >= repeat_every_) {
      last_logged_ = now;
      f.log = true;
    }
  }
  f.failures = failures_;
  f.down_for = since(since_, now);
  return f;
}

std::optional<OutageLog::Recovery> OutageLog::on_success(Clock::time_point now) {
  if (!in_outage_) return std::nullopt;
  in_outage_ = false;
  return Recovery{failures_, since(since_, now)};
}

}  // namespace vitalsd
