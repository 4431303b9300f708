#include "telemetry/process_metrics.h"

#include <ctime>

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace vitalsd {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// Whitespace-separated fields of `s`.
std::vector<std::string_view> fields(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// Calls f(line) for each line of `text` until f returns true.
template <typename F>
void for_each_line(std::string_view text, F f) {
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    if (f(line)) return;
    if (nl == std::string_view::npos) return;
    text.remove_prefix(nl + 1);
  }
}

// procfs files report size 0, so read until EOF rather than by size.
std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(out).str();
}

MetricFamily single(const char* name, const char* help, MetricType type, double value) {
  ClientMetric m;
  if (type == MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  return MetricFamily{name, help, type, {m}};
}

long sysconf_or(int name, long fallback) {
  const long v = ::sysconf(name);
  return v > 0 ? v : fallback;
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  const std::size_t close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // After the command name: field 3 (state) is index 0, so field n is n - 3.
  const auto f = fields(text.substr(close + 1));
  constexpr std::size_t kUtime = 14 - 3, kStime = 15 - 3, kStarttime = 22 - 3, kVsize = 23 - 3,
                        kRss = 24 - 3;
  if (f.size() <= kRss) return std::nullopt;
  const auto utime = parse_u64(f[kUtime]);
  const auto stime = parse_u64(f[kStime]);
  const auto starttime = parse_u64(f[kStarttime]);
  const auto vsize = parse_u64(f[kVsize]);
  const auto rss = parse_u64(f[kRss]);
  if (!utime || !stime || !starttime || !vsize || !rss) return std::nullopt;
  return ProcStat{*utime, *stime, *starttime, *vsize, *rss};
}

std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat) {
  std::optional<std::uint64_t> out;
  for_each_line(proc_stat, [&](std::string_view line) {
    const auto f = fields(line);
    if (f.size() != 2 || f[0] != "btime") return false;
    out = parse_u64(f[1]);
    return true;
  });
  return out;
}

std::optional<std::uint64_t> parse_max_open_files(std::string_view limits) {
  constexpr std::string_view kName = "Max open files";
  std::optional<std::uint64_t> out;
  for_each_line(limits, [&](std::string_view line) {
    if (line.substr(0, kName.size()) != kName) return false;
    const auto f = fields(line.substr(kName.size()));  // soft, hard, units
    if (!f.empty()) out = parse_u64(f[0]);             // "unlimited" does not parse
    return true;
  });
  return out;
}

ProcessCollector::ProcessCollector(const Options& options)
    : self_dir_(options.proc_root / options.self),
      proc_stat_(options.proc_root / "stat"),
      ticks_per_second_(options.ticks_per_second > 0 ? options.ticks_per_second
                                                     : sysconf_or(_SC_CLK_TCK, 100)),
      page_size_(options.page_size > 0 ? options.page_size : sysconf_or(_SC_PAGESIZE, 4096)) {}

std::optional<std::uint64_t> ProcessCollector::boot_time() const {
  std::lock_guard lock(mutex_);
  if (!boot_time_) {
    if (proc_stat_ == std::filesystem::path("/proc/stat")) {
      // The real system: derive it from the clocks rather than read
      // /proc/stat, which the service's ProcSubset=pid hides.
      timespec now{}, since_boot{};
      if (clock_gettime(CLOCK_REALTIME, &now) == 0 &&
          clock_gettime(CLOCK_BOOTTIME, &since_boot) == 0) {
        boot_time_ = static_cast<std::uint64_t>(now.tv_sec - since_boot.tv_sec);
      }
    } else if (const auto text = read_file(proc_stat_)) {
      boot_time_ = parse_boot_time(*text);
    }
  }
  return boot_time_;
}

std::vector<MetricFamily> ProcessCollector::Collect() const {
  std::vector<MetricFamily> out;
  const auto ticks = static_cast<double>(ticks_per_second_);

  const auto stat_text = read_file(self_dir_ / "stat");
  if (const auto stat = stat_text ? parse_proc_stat(*stat_text) : std::nullopt) {
    out.push_back(single("process_cpu_seconds_total",
                         "Total user and system CPU time spent in seconds.", MetricType::Counter,
                         static_cast<double>(stat->utime_ticks + stat->stime_ticks) / ticks));
    out.push_back(single("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                         MetricType::Gauge, static_cast<double>(stat->vsize_bytes)));
    out.push_back(single("process_resident_memory_bytes", "Resident memory size in bytes.",
                         MetricType::Gauge,
                         static_cast<double>(stat->rss_pages) * static_cast<double>(page_size_)));
    if (const auto boot = boot_time()) {
      out.push_back(
          single("process_start_time_seconds",
                 "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
                 static_cast<double>(*boot) + static_cast<double>(stat->starttime_ticks) / ticks));
    }
  }

  // Counting the entries of fd/ includes the descriptor the listing itself
  // holds open, as the Go and Python clients' counts do.
  std::error_code ec;
  std::filesystem::directory_iterator it(self_dir_ / "fd", ec);
  if (!ec) {
    std::uint64_t open = 0;
    for (const std::filesystem::directory_iterator end; it != end; it.increment(ec)) {
      if (ec) break;
      ++open;
    }
    if (!ec) {
      out.push_back(single("process_open_fds", "Number of open file descriptors.",
                           MetricType::Gauge, static_cast<double>(open)));
    }
  }

  const auto limits_text = read_file(self_dir_ / "limits");
  if (const auto max = limits_text ? parse_max_open_files(*limits_text) : std::nullopt) {
    out.push_back(single("process_max_fds", "Maximum number of open file descriptors.",
                         MetricType::Gauge, static_cast<double>(*max)));
  }
  return out;
}

}  // namespace vitalsd
