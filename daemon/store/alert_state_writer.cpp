#include "store/alert_state_writer.h"

#include <future>
#include <thread>

#include <boost/asio/post.hpp>

#include "common/json_writer.h"
#include "telemetry/metrics.h"

namespace vitalsd {
namespace {

std::string number(double v) {
  std::string out;
  json::append_number(out, v);
  return out;
}

}  // namespace

AlertStateWriter::AlertStateWriter(boost::asio::io_context& io, RedisCommands& redis,
                                   const RedisConfig& config, Metrics& metrics,
                                   spdlog::logger& log, Options options)
    : io_(io),
      redis_(redis),
      prefix_(config.key_prefix),
      stream_key_(config.key_prefix + "alerts"),
      maxlen_(std::to_string(config.stream_maxlen)),
      metrics_(metrics),
      log_(log),
      options_(options) {}

void AlertStateWriter::stream(const AlertEvent& e, std::string json) {
  boost::asio::post(io_, [this, e, json = std::move(json)]() mutable {
    append(StreamEntry{std::move(json), e.patient.str(), e.rule.str(), alert_state_name(e.state)});
  });
}

void AlertStateWriter::active(const AlertEvent& e, std::string json) {
  boost::asio::post(io_, [this, e, json = std::move(json)]() mutable {
    const std::string key = prefix_ + "active:" + e.patient.str();
    const std::string rule = e.rule.str();
    if (e.state == AlertState::cleared) {
      active_mirror_.erase(key + '\n' + rule);
      write_active(key, rule, std::nullopt);
    } else {
      active_mirror_[key + '\n' + rule] = {rule, json};
      write_active(key, rule, std::move(json));
    }
  });
}

void AlertStateWriter::latest(std::vector<LatestSnapshot> snapshots) {
  boost::asio::post(io_, [this, snapshots = std::move(snapshots)] {
    for (const LatestSnapshot& s : snapshots) write_latest(s);
  });
}

void AlertStateWriter::append(StreamEntry entry) {
  stream_pending_.push_back(std::move(entry));
  while (stream_pending_.size() + stream_failed_.size() > options_.max_stream_backlog) {
    (stream_failed_.empty() ? stream_pending_ : stream_failed_).pop_front();
    if (stream_dropped_++ == 0 || stream_dropped_ % 1000 == 0) {
      log_.error("redis: alert stream backlog full ({} entries); {} oldest entries dropped so far",
                 options_.max_stream_backlog, stream_dropped_);
    }
  }
  pump_stream();
}

void AlertStateWriter::pump_stream() {
  while (!stream_blocked_ && !stream_pending_.empty()) {
    StreamEntry e = std::move(stream_pending_.front());
    stream_pending_.pop_front();
    std::vector<std::string> argv = {"XADD", stream_key_, "MAXLEN", "~", maxlen_, "*",
                                     "json", e.json, "patient", e.patient, "rule", e.rule,
                                     "state", std::string(e.state)};
    ++in_flight_;
    redis_.command("stream_add", std::move(argv),
                   [this, e = std::move(e)](const Expected<RedisReply, RedisFailure>& r) mutable {
                     --in_flight_;
                     if (r && !r->is_error()) return;
                     if (r) {  // Redis refused it (e.g. the key has another type): retrying won't help
                       metrics_.redis_errors("stream_add").Increment();
                       log_.error("redis: XADD {} refused: {}", stream_key_, r->str);
                       return;
                     }
                     // Replies come in order, so failures park in issue order.
                     stream_failed_.push_back(std::move(e));
                     stream_blocked_ = true;
                   });
  }
}

void AlertStateWriter::write_active(const std::string& key, const std::string& rule,
                                    std::optional<std::string> json) {
  const std::string slot = key + '\n' + rule;
  const std::uint64_t seq = ++next_seq_;
  active_issued_[slot].issued = seq;
  active_parked_.erase(slot);  // this write supersedes any parked one
  std::vector<std::string> argv =
      json ? std::vector<std::string>{"HSET", key, rule, *json}
           : std::vector<std::string>{"HDEL", key, rule};
  ++in_flight_;
  redis_.command("active_write", std::move(argv),
                 [this, slot, seq, key, rule, json = std::move(json)](
                     const Expected<RedisReply, RedisFailure>& r) mutable {
                   --in_flight_;
                   auto it = active_issued_.find(slot);
                   const bool newest = it != active_issued_.end() && it->second.issued == seq;
                   if (r) {  // written, or refused by Redis (retrying would not help)
                     if (newest) active_issued_.erase(it);
                     if (r->is_error()) {
                       metrics_.redis_errors("active_write").Increment();
                       log_.error("redis: write to {} refused: {}", key, r->str);
                     }
                     return;
                   }
                   if (newest) active_parked_[slot] = {rule, std::move(json)};
                 });
}

void AlertStateWriter::write_latest(const LatestSnapshot& s) {
  const std::string key = prefix_ + "latest:" + s.patient.str();
  const std::uint64_t seq = ++next_seq_;
  latest_issued_[key].issued = seq;
  latest_parked_.erase(key);
  std::vector<std::string> argv = {"HSET", key};
  for (Vital v : kAllVitals) {
    if (!s.latest[v].present) continue;
    argv.emplace_back(vital_name(v));
    argv.push_back(number(s.latest[v].value));
  }
  if (s.latest.o2.value) {
    argv.emplace_back("o2");
    argv.emplace_back(*s.latest.o2.value ? "1" : "0");
  }
  if (s.latest.acvpu.value) {
    argv.emplace_back("acvpu");
    argv.emplace_back(acvpu_name(*s.latest.acvpu.value));
  }
  argv.emplace_back("ts");
  argv.push_back(std::to_string(s.latest.newest_ts_ms));
  if (s.news2) {
    argv.emplace_back("news2");
    argv.push_back(std::to_string(*s.news2));
  }
  ++in_flight_;
  redis_.command("latest_write", std::move(argv),
                 [this, key, seq, s](const Expected<RedisReply, RedisFailure>& r) {
                   --in_flight_;
                   auto it = latest_issued_.find(key);
                   const bool newest = it != latest_issued_.end() && it->second.issued == seq;
                   if (r) {
                     if (newest) latest_issued_.erase(it);
                     if (r->is_error()) {
                       metrics_.redis_errors("latest_write").Increment();
                       log_.error("redis: write to {} refused: {}", key, r->str);
                     }
                     return;
                   }
                   if (newest) latest_parked_[key] = s;
                 });
}

void AlertStateWriter::reconcile() {
  if (!redis_.up()) return;
  if (stream_blocked_) {
    // Failed entries go first, then those that waited behind them.
    while (!stream_failed_.empty()) {
      stream_pending_.push_front(std::move(stream_failed_.back()));
      stream_failed_.pop_back();
    }
    stream_blocked_ = false;
    pump_stream();
  }
  auto active = std::move(active_parked_);
  active_parked_.clear();
  for (auto& [slot, value] : active) {
    write_active(slot.substr(0, slot.find('\n')), value.first, std::move(value.second));
  }
  auto latest = std::move(latest_parked_);
  latest_parked_.clear();
  for (auto& [key, snapshot] : latest) write_latest(snapshot);
}

void AlertStateWriter::reconnected() {
  // Parked, not written directly: reconcile() then issues one write per slot,
  // and a newer transition in flight or parked for a slot wins as usual
  // (the mirror holds that same newest value).
  for (const auto& [slot, value] : active_mirror_) {
    active_parked_.try_emplace(slot, value.first, value.second);
  }
  reconcile();
}

void AlertStateWriter::seed_active(const std::vector<RestoredAlert>& alerts) {
  for (const RestoredAlert& a : alerts) {
    const std::string slot = prefix_ + "active:" + a.patient.str() + '\n' + a.rule;
    active_mirror_.try_emplace(slot, a.rule, a.json);  // a transition since then wins
  }
}

std::size_t AlertStateWriter::unwritten() const {
  const std::size_t n = in_flight_ + stream_pending_.size() + stream_failed_.size() +
                        active_parked_.size() + latest_parked_.size();
  unwritten_hint_.store(n);
  return n;
}

std::size_t AlertStateWriter::flush(std::chrono::steady_clock::time_point deadline) {
  std::size_t left = unwritten_hint_.load();
  for (;;) {
    // Ask the event loop to write what is parked (if Redis is up) and say
    // what is still unanswered; it answers after every write posted before.
    struct State {
      std::size_t in_flight, left;
      bool redis_up;
    };
    auto answer = std::make_shared<std::promise<State>>();
    auto result = answer->get_future();
    boost::asio::post(io_, [this, answer] {
      reconcile();
      answer->set_value({in_flight_, unwritten(), redis_.up()});
    });
    if (result.wait_until(deadline) != std::future_status::ready) return left;
    const State state = result.get();
    left = state.left;
    if (left == 0) return 0;
    if (state.in_flight == 0 && !state.redis_up) return left;  // parked, and Redis is away
    if (std::chrono::steady_clock::now() >= deadline) return left;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace vitalsd
