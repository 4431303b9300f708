// Process metrics: the process_* families every Prometheus exporter serves
// (CPU time, memory, file descriptors, start time), read from procfs at
// scrape time, with the names and meanings of the official client libraries
// so the usual dashboards and alerts work unchanged.
//
// The parsers are pure functions of a file's text, tested with fixture
// strings. ProcessCollector reads the files under a proc root that a test
// may point at a fixture tree. A file that cannot be read or parsed leaves
// its metrics out of that scrape (an absent series, not a wrong zero).
//
// Threads: Collect() may run on any thread; its only mutable state is the
// boot time, read once under a mutex.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace vitalsd {

// The fields of /proc/<pid>/stat that the process_* metrics need, in the
// kernel's units (clock ticks, pages).
struct ProcStat {
  std::uint64_t utime_ticks = 0;
  std::uint64_t stime_ticks = 0;
  std::uint64_t starttime_ticks = 0;  // since boot
  std::uint64_t vsize_bytes = 0;
  std::uint64_t rss_pages = 0;
};

// Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and
// may itself contain spaces and ')', so fields are counted after the last ')'.
std::optional<ProcStat> parse_proc_stat(std::string_view text);

// The `btime` line of /proc/stat: boot time in seconds since the epoch.
std::optional<std::uint64_t> parse_boot_time(std::string_view proc_stat);

// The soft limit of "Max open files" in /proc/<pid>/limits; "unlimited" is
// returned as nullopt like an unreadable file (there is no finite maximum).
std::optional<std::uint64_t> parse_max_open_files(std::string_view limits);

class ProcessCollector final : public prometheus::Collectable {
 public:
  struct Options {
    std::filesystem::path proc_root = "/proc";
    std::filesystem::path self = "self";  // under proc_root
    long ticks_per_second = 0;            // 0: sysconf(_SC_CLK_TCK)
    long page_size = 0;                   // 0: sysconf(_SC_PAGESIZE)
  };

  ProcessCollector() : ProcessCollector(Options{}) {}
  explicit ProcessCollector(const Options& options);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::optional<std::uint64_t> boot_time() const;

  const std::filesystem::path self_dir_;
  const std::filesystem::path proc_stat_;
  const long ticks_per_second_;
  const long page_size_;

  mutable std::mutex mutex_;  // guards boot_time_: read once, it never changes
  mutable std::optional<std::uint64_t> boot_time_;
};

}  // namespace vitalsd
