#include "telemetry/logging.h"

#include <chrono>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "common/json_writer.h"
#include "common/time_format.h"

namespace vitalsd {
namespace {

// One JSON object per line: {"ts":"...Z","level":"warn","msg":"..."}.
class JsonLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    const std::int64_t ms = duration_cast<milliseconds>(msg.time.time_since_epoch()).count();
    line_.clear();
    line_ += "{\"ts\":\"";
    char ts[32];
    line_.append(ts, format_rfc3339_ms(ms, ts));
    line_ += "\",";
    json::append_key(line_, "level");
    const auto level = spdlog::level::to_string_view(msg.level);
    json::append_string(line_, std::string_view(level.data(), level.size()));
    line_ += ',';
    json::append_key(line_, "msg");
    json::append_string(line_, std::string_view(msg.payload.data(), msg.payload.size()));
    line_ += "}\n";
    dest.append(line_.data(), line_.data() + line_.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLineFormatter>();
  }

 private:
  std::string line_;
};

}  // namespace

Expected<std::shared_ptr<spdlog::logger>, std::string> make_logger(const LogConfig& config) {
  const auto level = spdlog::level::from_str(config.level);
  if (level == spdlog::level::off && config.level != "off") {
    return unexpected("unknown log level '" + config.level + "'");
  }
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("vitalsd", std::move(sink));
  apply_log_config(*logger, config);
  // Problems must reach the journal even if the process dies right after.
  logger->flush_on(spdlog::level::warn);
  return logger;
}

void apply_log_config(spdlog::logger& logger, const LogConfig& config) {
  if (config.format == LogFormat::json) {
    logger.set_formatter(std::make_unique<JsonLineFormatter>());
  } else {
    logger.set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc));
  }
  logger.set_level(spdlog::level::from_str(config.level));
}

}  // namespace vitalsd
