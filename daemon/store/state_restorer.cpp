#include "store/state_restorer.h"

#include <charconv>
#include <memory>

#include <simdjson.h>

namespace vitalsd {

std::optional<DecodedActiveAlert> decode_active_alert(std::string_view json,
                                                     std::string* problem) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(simdjson::padded_string(json)).get(doc) != simdjson::SUCCESS) {
    *problem = "not valid JSON";
    return std::nullopt;
  }
  std::string_view id_text, severity, state;
  if (doc["id"].get(id_text) != simdjson::SUCCESS ||
      doc["severity"].get(severity) != simdjson::SUCCESS ||
      doc["state"].get(state) != simdjson::SUCCESS) {
    *problem = "missing id, severity or state";
    return std::nullopt;
  }
  const std::optional<AlertId> id = AlertId::parse(id_text);
  if (!id) {
    *problem = "id is not 32 lowercase hex characters";
    return std::nullopt;
  }
  const std::optional<Severity> sev = parse_severity(severity);
  if (!sev) {
    *problem = "unknown severity";
    return std::nullopt;
  }
  if (state == "cleared") {
    *problem = "a cleared alert in the active hash";
    return std::nullopt;
  }
  std::string_view metric;
  if (doc["metric"].get(metric) != simdjson::SUCCESS) metric = "none";
  return DecodedActiveAlert{Episode{.active = true,
                                    .acknowledged = state == "acknowledged",
                                    .severity = *sev,
                                    .id = *id},
                            std::string(metric)};
}

// One restore in progress: SCAN the active:* keys, HGETALL each, then SCAN
// latest:* and HGET their ts. Commands are pipelined; `outstanding` counts
// replies still due.
struct StateRestorer::Run : std::enable_shared_from_this<Run> {
  Run(RedisCommands& redis, std::string prefix, std::function<void(RestoredState)> done)
      : redis(redis), prefix(std::move(prefix)), done(std::move(done)) {}

  RedisCommands& redis;
  const std::string prefix;
  std::function<void(RestoredState)> done;
  RestoredState state;
  int outstanding = 0;
  bool failed = false;
  bool scanning_latest = false;

  std::optional<PatientId> patient_of(std::string_view key, std::string_view kind) const {
    const std::string head = prefix + std::string(kind);
    if (!key.starts_with(head)) return std::nullopt;
    const std::string_view id = key.substr(head.size());
    if (!is_valid_patient_id(id)) return std::nullopt;
    return PatientId(id);
  }

  void scan(std::string cursor) {
    ++outstanding;
    const std::string pattern = prefix + (scanning_latest ? "latest:*" : "active:*");
    auto self = shared_from_this();
    redis.command("restore", {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"},
                  [self](const Expected<RedisReply, RedisFailure>& r) { self->on_scan(r); });
  }

  void on_scan(const Expected<RedisReply, RedisFailure>& r) {
    --outstanding;
    if (!r || r->type != RedisReply::Type::array || r->elements.size() != 2) {
      failed = true;
      return finish_if_done();
    }
    for (const RedisReply& key : r->elements[1].elements) {
      if (scanning_latest) {
        read_latest(key.str);
      } else {
        read_active(key.str);
      }
    }
    const std::string& cursor = r->elements[0].str;
    if (cursor != "0") {
      scan(cursor);
    } else if (!scanning_latest) {
      scanning_latest = true;
      scan("0");
    }
    finish_if_done();
  }

  void read_active(const std::string& key) {
    const std::optional<PatientId> patient = patient_of(key, "active:");
    if (!patient) return;
    ++outstanding;
    auto self = shared_from_this();
    redis.command("restore", {"HGETALL", key},
                  [self, key, patient = *patient](const Expected<RedisReply, RedisFailure>& r) {
                    --self->outstanding;
                    if (!r || r->type != RedisReply::Type::array) {
                      self->failed = true;
                    } else {
                      const auto& items = r->elements;
                      for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
                        std::string problem;
                        if (auto a = decode_active_alert(items[i + 1].str, &problem)) {
                          self->state.alerts.push_back(
                              {patient, items[i].str, std::move(a->metric), a->episode,
                               items[i + 1].str});
                        } else {
                          self->state.problems.push_back(key + " " + items[i].str + ": " +
                                                         problem);
                        }
                      }
                    }
                    self->finish_if_done();
                  });
  }

  void read_latest(const std::string& key) {
    const std::optional<PatientId> patient = patient_of(key, "latest:");
    if (!patient) return;
    ++outstanding;
    auto self = shared_from_this();
    redis.command("restore", {"HGET", key, "ts"},
                  [self, patient = *patient](const Expected<RedisReply, RedisFailure>& r) {
                    --self->outstanding;
                    if (!r) {
                      self->failed = true;
                    } else if (r->type == RedisReply::Type::string) {
                      std::int64_t ts = 0;
                      const auto& s = r->str;
                      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), ts);
                      if (ec == std::errc() && end == s.data() + s.size()) {
                        self->state.last_ts.emplace_back(patient, ts);
                      }
                    }
                    self->finish_if_done();
                  });
  }

  void finish_if_done() {
    if (outstanding > 0 || !done) return;
    if (!failed && !scanning_latest) return;  // the latest:* scan has not started yet
    state.complete = !failed;
    auto d = std::move(done);
    done = nullptr;
    d(std::move(state));
  }
};

StateRestorer::StateRestorer(RedisCommands& redis, std::string key_prefix)
    : redis_(redis), prefix_(std::move(key_prefix)) {}

void StateRestorer::run(std::function<void(RestoredState)> done) {
  auto run = std::make_shared<Run>(redis_, prefix_, std::move(done));
  run->scan("0");
}

}  // namespace vitalsd
