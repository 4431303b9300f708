#include "telemetry/process_metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <map>
#include <string>

#include "config/temp_dir.h"

namespace vitalsd {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

// A real line from a 6.x kernel, fields 1-52.
constexpr std::string_view kStat =
    "4242 (vitalsd) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 125 0 0 20 0 6 0 987654 "
    "403128320 2589 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 "
    "0 0 0";

TEST(ParseProcStat, ReadsTheFieldsAfterTheCommandName) {
  struct Case {
    std::string name;
    std::string text;
    std::optional<ProcStat> want;
  };
  const ProcStat usual{250, 125, 987654, 403128320, 2589};
  const std::string tail = std::string(kStat.substr(kStat.find(')')));
  const Case cases[] = {
      {"usual", std::string(kStat), usual},
      // A thread may rename itself to anything, parentheses and spaces included.
      {"command with spaces and parens", "4242 (a) b (c" + tail, usual},
      {"empty command", "4242 ()" + tail.substr(1), usual},
      {"no trailing newline or extra fields",
       "1 (x) S 1 1 1 0 -1 0 0 0 0 0 7 8 0 0 20 0 1 0 9 10 11", ProcStat{7, 8, 9, 10, 11}},
      {"too few fields", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 7 8 0 0 20 0 1 0 9 10", std::nullopt},
      {"no command", "1 x S 1 1 1 0 -1 0 0 0 0 0 7 8 0 0 20 0 1 0 9 10 11", std::nullopt},
      {"negative rss", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 7 8 0 0 20 0 1 0 9 10 -1", std::nullopt},
      {"garbage number", "1 (x) S 1 1 1 0 -1 0 0 0 0 0 7x 8 0 0 20 0 1 0 9 10 11", std::nullopt},
      {"empty", "", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto got = parse_proc_stat(c.text);
    ASSERT_EQ(got.has_value(), c.want.has_value());
    if (!got) continue;
    EXPECT_EQ(got->utime_ticks, c.want->utime_ticks);
    EXPECT_EQ(got->stime_ticks, c.want->stime_ticks);
    EXPECT_EQ(got->starttime_ticks, c.want->starttime_ticks);
    EXPECT_EQ(got->vsize_bytes, c.want->vsize_bytes);
    EXPECT_EQ(got->rss_pages, c.want->rss_pages);
  }
}

TEST(ParseBootTime, FindsTheBtimeLine) {
  const std::pair<std::string_view, std::optional<std::uint64_t>> cases[] = {
      {"cpu  1 2 3\ncpu0 1 2 3\nintr 5 6\nctxt 99\nbtime 1795320321\nprocesses 7\n", 1795320321},
      {"btime 12", 12},
      {"cpu 1\nbtime\n", std::nullopt},
      {"cpu 1\nbtime x\n", std::nullopt},
      {"cpu 1\nbtimes 5\n", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& [text, want] : cases) {
    EXPECT_EQ(parse_boot_time(text), want) << text;
  }
}

TEST(ParseMaxOpenFiles, TakesTheSoftLimit) {
  const std::string header =
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max cpu time              unlimited            unlimited            seconds   \n";
  const std::pair<std::string, std::optional<std::uint64_t>> cases[] = {
      {header + "Max open files            1024                 524288               files     \n",
       1024},
      {header + "Max open files            unlimited            unlimited            files     \n",
       std::nullopt},
      {header, std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& [text, want] : cases) {
    EXPECT_EQ(parse_max_open_files(text), want) << text;
  }
}

std::map<std::string, std::pair<MetricType, double>> by_name(
    const std::vector<MetricFamily>& families) {
  std::map<std::string, std::pair<MetricType, double>> out;
  for (const auto& f : families) {
    EXPECT_EQ(f.metric.size(), 1u) << f.name;
    EXPECT_FALSE(f.help.empty()) << f.name;
    const auto& m = f.metric.at(0);
    out[f.name] = {f.type, f.type == MetricType::Counter ? m.counter.value : m.gauge.value};
  }
  return out;
}

TEST(ProcessCollector, ConvertsTicksAndPagesFromAFixtureTree) {
  testing::TempDir proc;
  proc.write("stat", "cpu 1 2 3\nbtime 1700000000\n");
  proc.write("42/stat", std::string(kStat));
  proc.write("42/limits",
             "Max open files            4096                 4096                 files\n");
  for (const char* fd : {"0", "1", "2", "7"}) proc.write(std::string("42/fd/") + fd, "");

  const ProcessCollector collector(
      {.proc_root = proc.path(), .self = "42", .ticks_per_second = 100, .page_size = 4096});
  const auto m = by_name(collector.Collect());

  using P = std::pair<MetricType, double>;
  EXPECT_EQ(m.at("process_cpu_seconds_total"), P(MetricType::Counter, 3.75));  // (250+125)/100
  EXPECT_EQ(m.at("process_virtual_memory_bytes"), P(MetricType::Gauge, 403128320));
  EXPECT_EQ(m.at("process_resident_memory_bytes"), P(MetricType::Gauge, 2589.0 * 4096));
  EXPECT_EQ(m.at("process_start_time_seconds"), P(MetricType::Gauge, 1700000000 + 9876.54));
  EXPECT_EQ(m.at("process_open_fds"), P(MetricType::Gauge, 4));
  EXPECT_EQ(m.at("process_max_fds"), P(MetricType::Gauge, 4096));
}

TEST(ProcessCollector, LeavesOutWhatItCannotRead) {
  testing::TempDir proc;
  proc.write("self/stat", "not a stat line");
  proc.write("self/limits",
             "Max open files            unlimited            unlimited            files\n");

  const ProcessCollector collector({.proc_root = proc.path()});
  EXPECT_TRUE(collector.Collect().empty())
      << "no /proc/stat, a bad stat, no fd/ and no finite limit: nothing rather than zeros";
}

TEST(ProcessCollector, DescribesThisProcess) {
  const ProcessCollector collector;
  const auto m = by_name(collector.Collect());
  ASSERT_EQ(m.size(), 6u);
  EXPECT_GT(m.at("process_resident_memory_bytes").second, 0);
  EXPECT_GE(m.at("process_virtual_memory_bytes").second,
            m.at("process_resident_memory_bytes").second);
  EXPECT_GE(m.at("process_open_fds").second, 3);  // stdin, stdout, stderr
  EXPECT_LE(m.at("process_open_fds").second, m.at("process_max_fds").second);
  EXPECT_GE(m.at("process_cpu_seconds_total").second, 0);
  // Started before now and not long ago (the test binary has only just begun).
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(m.at("process_start_time_seconds").second, now + 1);
  EXPECT_GT(m.at("process_start_time_seconds").second, now - 3600);
}

}  // namespace
}  // namespace vitalsd
