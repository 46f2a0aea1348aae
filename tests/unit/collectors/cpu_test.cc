#include "collectors/cpu.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "lib/log.h"
#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

// ------------------------------------------------------------ ParseProcStatCpus

TEST(ParseProcStatCpus, ConvertsTicksToSeconds) {
  auto p = ParseProcStatCpus(
      "cpu  600 20 91 9000 6 6 9 8 9 10\n"
      "cpu0 100 20 30 4000 5 6 7 8 9 10\n"
      "cpu11 1 2 3 4 5 6 7 8 9 10\n"
      "intr 1 2 3\n");
  ASSERT_TRUE(p.total.has_value());
  EXPECT_DOUBLE_EQ(p.total->idle, 90.0);
  ASSERT_EQ(p.cpus.size(), 2u);
  EXPECT_EQ(p.cpus[0].first, 0);
  const CpuStat& s = p.cpus[0].second;
  EXPECT_DOUBLE_EQ(s.user, 1.0);
  EXPECT_DOUBLE_EQ(s.nice, 0.2);
  EXPECT_DOUBLE_EQ(s.system, 0.3);
  EXPECT_DOUBLE_EQ(s.idle, 40.0);
  EXPECT_DOUBLE_EQ(s.iowait, 0.05);
  EXPECT_DOUBLE_EQ(s.irq, 0.06);
  EXPECT_DOUBLE_EQ(s.softirq, 0.07);
  EXPECT_DOUBLE_EQ(s.steal, 0.08);
  EXPECT_DOUBLE_EQ(s.guest, 0.09);
  EXPECT_DOUBLE_EQ(s.guest_nice, 0.1);
  EXPECT_EQ(p.cpus[1].first, 11);
  EXPECT_DOUBLE_EQ(p.cpus[1].second.guest_nice, 0.1);
  EXPECT_TRUE(p.malformed.empty());
}

TEST(ParseProcStatCpus, ShortLinesReadAsZeroAndExtraColumnsAreIgnored) {
  // Pre-2.6.11 kernels have 4..8 columns; future kernels may add more.
  auto p = ParseProcStatCpus("cpu0 100 200 300 400\ncpu1 1 2 3 4 5 6 7 8 9 10 11 12\n");
  ASSERT_EQ(p.cpus.size(), 2u);
  EXPECT_DOUBLE_EQ(p.cpus[0].second.idle, 4.0);
  EXPECT_DOUBLE_EQ(p.cpus[0].second.iowait, 0.0);
  EXPECT_DOUBLE_EQ(p.cpus[0].second.guest_nice, 0.0);
  EXPECT_DOUBLE_EQ(p.cpus[1].second.guest_nice, 0.1);
}

TEST(ParseProcStatCpus, MalformedLinesAreReportedAndSkipped) {
  auto p = ParseProcStatCpus(
      "cpu0 1 2 3 4 5 6 7 8 9 10\n"
      "cpu1 1 x 3 4\n"
      "cpuX 1 2 3 4\n"
      "cpu2\n"  // fewer than two fields: procfs ignores it silently
      "cpu3 5 5 5 5\n");
  ASSERT_EQ(p.cpus.size(), 2u);
  EXPECT_EQ(p.cpus[0].first, 0);
  EXPECT_EQ(p.cpus[1].first, 3);
  EXPECT_THAT(p.malformed, ElementsAre("cpu1", "cpuX"));
}

TEST(ParseProcStatCpus, EmptyAndForeignContent) {
  EXPECT_TRUE(ParseProcStatCpus("").cpus.empty());
  auto p = ParseProcStatCpus("ctxt 5\nbtime 7\n");
  EXPECT_TRUE(p.cpus.empty());
  EXPECT_FALSE(p.total.has_value());
}

// ------------------------------------------------------------ MergeCpuStats

CpuStat Stat(double user, double idle) {
  CpuStat s;
  s.user = user;
  s.idle = idle;
  return s;
}

TEST(MergeCpuStats, CountersNeverGoBackwards) {
  std::map<int64_t, CpuStat> cache;
  MergeCpuStats(cache, {{0, Stat(10, 100)}});
  MergeCpuStats(cache, {{0, Stat(9, 101)}});  // user dipped: keep 10
  EXPECT_DOUBLE_EQ(cache[0].user, 10);
  EXPECT_DOUBLE_EQ(cache[0].idle, 101);
  MergeCpuStats(cache, {{0, Stat(12, 99)}});  // idle dipped by < 3 s: keep 101
  EXPECT_DOUBLE_EQ(cache[0].user, 12);
  EXPECT_DOUBLE_EQ(cache[0].idle, 101);
}

TEST(MergeCpuStats, IdleJumpBackResetsTheCpu) {
  std::map<int64_t, CpuStat> cache;
  MergeCpuStats(cache, {{0, Stat(10, 100)}, {1, Stat(5, 50)}});
  // cpu0 was hot-unplugged and replugged: its counters restart.
  MergeCpuStats(cache, {{0, Stat(1, 97)}, {1, Stat(6, 51)}});
  EXPECT_DOUBLE_EQ(cache[0].user, 1);
  EXPECT_DOUBLE_EQ(cache[0].idle, 97);
  EXPECT_DOUBLE_EQ(cache[1].user, 6);
}

TEST(MergeCpuStats, DropsCpusThatDisappeared) {
  std::map<int64_t, CpuStat> cache;
  MergeCpuStats(cache, {{0, Stat(1, 1)}, {1, Stat(1, 1)}});
  MergeCpuStats(cache, {{0, Stat(2, 2)}});
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.count(1), 0u);
}

// ------------------------------------------------------------- ParseCpuInfo

TEST(ParseCpuInfo, X86) {
  auto info = ParseCpuInfo(
      "\n"
      "processor\t: 0\n"
      "vendor_id\t: AuthenticAMD\n"
      "cpu family\t: 25\n"
      "model\t\t: 1\n"
      "model name\t: AMD EPYC 7R13 Processor  \n"  // value is kept untrimmed, as procfs
      "stepping\t: 1\n"
      "microcode\t: 0xa0011d1\n"
      "cpu MHz\t\t: 2649.998\n"
      "cache size\t: 512 KB\n"
      "physical id\t: 0\n"
      "core id\t\t: 3\n"
      "flags\t\t: fpu  vme sse\n"
      "bugs\t\t: sysret_ss_attrs spectre_v1\n"
      "power management:\n"
      "\n"
      "processor\t: 1\n"
      "cpu MHz\t\t: 3000\n",
      CpuInfoFormat::kX86);
  ASSERT_EQ(info.size(), 2u);
  EXPECT_EQ(info[0].processor, 0u);
  EXPECT_EQ(info[0].vendor_id, "AuthenticAMD");
  EXPECT_EQ(info[0].cpu_family, "25");
  EXPECT_EQ(info[0].model, "1");
  EXPECT_EQ(info[0].model_name, "AMD EPYC 7R13 Processor  ");
  EXPECT_EQ(info[0].stepping, "1");
  EXPECT_EQ(info[0].microcode, "0xa0011d1");
  EXPECT_DOUBLE_EQ(info[0].cpu_mhz, 2649.998);
  EXPECT_EQ(info[0].cache_size, "512 KB");
  EXPECT_EQ(info[0].physical_id, "0");
  EXPECT_EQ(info[0].core_id, "3");
  EXPECT_THAT(info[0].flags, ElementsAre("fpu", "vme", "sse"));
  EXPECT_THAT(info[0].bugs, ElementsAre("sysret_ss_attrs", "spectre_v1"));
  EXPECT_EQ(info[1].processor, 1u);
  EXPECT_DOUBLE_EQ(info[1].cpu_mhz, 3000);
  EXPECT_TRUE(info[1].flags.empty());
}

TEST(ParseCpuInfo, ArmGraviton) {
  auto info = ParseCpuInfo(
      "processor\t: 0\n"
      "BogoMIPS\t: 243.75\n"
      "Features\t: fp asimd evtstrm aes\n"
      "CPU implementer\t: 0x41\n"
      "CPU part\t: 0xd0c\n"
      "\n"
      "processor\t: 1\n"
      "BogoMIPS\t: 243.75\n"
      "Features\t: fp asimd evtstrm aes crc32\n"
      "CPU implementer\t: 0x41\n",
      CpuInfoFormat::kArm);
  ASSERT_EQ(info.size(), 2u);
  EXPECT_EQ(info[1].processor, 1u);
  EXPECT_EQ(info[0].vendor_id, "");
  // procfs gives every CPU the last Features line.
  EXPECT_THAT(info[0].flags, ElementsAre("fp", "asimd", "evtstrm", "aes", "crc32"));
  EXPECT_EQ(info[0].flags, info[1].flags);
}

TEST(ParseCpuInfo, ArmOldSingleCpuLayout) {
  auto info = ParseCpuInfo(
      "Processor\t: ARMv7 Processor rev 5 (v7l)\n"
      "BogoMIPS\t: 38.40\n"
      "Features\t: swp half thumb\n",
      CpuInfoFormat::kArm);
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info[0].processor, 0u);
  EXPECT_EQ(info[0].model_name, "ARMv7 Processor rev 5 (v7l)");
  EXPECT_THAT(info[0].flags, ElementsAre("swp", "half", "thumb"));
}

TEST(ParseCpuInfo, LayoutDetectedFromContent) {
  EXPECT_EQ(DetectCpuInfoFormat("processor\t: 0\nvendor_id\t: GenuineIntel\n"), CpuInfoFormat::kX86);
  EXPECT_EQ(DetectCpuInfoFormat("processor\t: 0\nflags\t\t: fpu vme\n"), CpuInfoFormat::kX86);
  EXPECT_EQ(DetectCpuInfoFormat("processor\t: 0\nBogoMIPS\t: 243.75\nFeatures\t: fp asimd\n"),
            CpuInfoFormat::kArm);
  EXPECT_EQ(DetectCpuInfoFormat("processor\t: 0\nCPU implementer\t: 0x41\n"), CpuInfoFormat::kArm);
  EXPECT_EQ(DetectCpuInfoFormat("processor\t: 0\n"), kNativeCpuInfoFormat);
  // Without an explicit format an x86 file gets x86 parsing whatever the build.
  auto info = ParseCpuInfo("processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu aes\n");
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info[0].vendor_id, "GenuineIntel");
  EXPECT_EQ(info[0].flags, (std::vector<std::string>{"fpu", "aes"}));
}

TEST(ParseCpuInfo, RejectsMalformedFiles) {
  EXPECT_THROW(ParseCpuInfo("", CpuInfoFormat::kX86), std::runtime_error);
  EXPECT_THROW(ParseCpuInfo("vendor_id\t: x\n", CpuInfoFormat::kX86), std::runtime_error);
  EXPECT_THROW(ParseCpuInfo("processor\t: zero\n", CpuInfoFormat::kX86), std::runtime_error);
  EXPECT_THROW(ParseCpuInfo("processor\t: 0\ncpu MHz\t: fast\n", CpuInfoFormat::kX86),
               std::runtime_error);
  EXPECT_THROW(ParseCpuInfo("processor\t: 0\nprocessor\t: -1\n", CpuInfoFormat::kArm),
               std::runtime_error);
}

// -------------------------------------------------------------- ParseCpuList

TEST(ParseCpuList, RangesAndSingles) {
  EXPECT_THAT(*ParseCpuList("1,3-5,9\n"), ElementsAre(1u, 3u, 4u, 5u, 9u));
  EXPECT_THAT(*ParseCpuList("0"), ElementsAre(0u));
  EXPECT_TRUE(ParseCpuList("")->empty());
  EXPECT_TRUE(ParseCpuList("\n")->empty());
  EXPECT_FALSE(ParseCpuList("a").has_value());
  EXPECT_FALSE(ParseCpuList("5-3").has_value());
  EXPECT_FALSE(ParseCpuList("1-2-3").has_value());
}

// ---------------------------------------------------------------- collector

const std::string kFixture = testing::FixturePath("cpu");

// A copy of the fixture tree that a test may modify.
std::string CopyFixture(const TempDir& dir) {
  std::filesystem::copy(kFixture, dir.path(), std::filesystem::copy_options::recursive);
  return dir.path();
}

MetricSet CollectOnce(Collector& c) {
  MetricSet set;
  c.Collect(set);
  return set;
}

TEST(CpuCollector, SecondsFromProcStat) {
  testing::LogCapture logs;
  auto c = NewCpuCollector(testing::FixturePaths(kFixture), CpuOptions{});
  MetricSet set = CollectOnce(*c);
  EXPECT_DOUBLE_EQ(Value(set, "node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "user"}}), 1.0);
  EXPECT_DOUBLE_EQ(Value(set, "node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "nice"}}), 0.2);
  EXPECT_DOUBLE_EQ(Value(set, "node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "system"}}), 0.3);
  EXPECT_DOUBLE_EQ(Value(set, "node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "idle"}}), 40.0);
  EXPECT_DOUBLE_EQ(Value(set, "node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "iowait"}}), 0.05);
  EXPECT_DOUBLE_EQ(Value(set, "node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "irq"}}), 0.06);
  EXPECT_DOUBLE_EQ(Value(set, "node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "softirq"}}), 0.07);
  EXPECT_DOUBLE_EQ(Value(set, "node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "steal"}}), 0.08);
  EXPECT_DOUBLE_EQ(Value(set, "node_cpu_seconds_total", {{"cpu", "1"}, {"mode", "idle"}}), 50.0);
  // cpu2's line is malformed and cpu3 is offline: neither is reported, and
  // the aggregate "cpu" line is not a CPU.
  EXPECT_EQ(SampleCount(set, "node_cpu_seconds_total"), 16u);
  EXPECT_EQ(set.Find("node_cpu_seconds_total")->type, MetricType::Counter);
  EXPECT_DOUBLE_EQ(Value(set, "node_cpu_guest_seconds_total", {{"cpu", "0"}, {"mode", "user"}}), 0.09);
  EXPECT_DOUBLE_EQ(Value(set, "node_cpu_guest_seconds_total", {{"cpu", "0"}, {"mode", "nice"}}), 0.1);
  EXPECT_EQ(SampleCount(set, "node_cpu_guest_seconds_total"), 4u);

  // The malformed line is logged once at warn level, then at debug only.
  EXPECT_EQ(logs.Warnings("cpu2"), 1u);
  CollectOnce(*c);
  EXPECT_EQ(logs.Warnings("cpu2"), 1u);
}

TEST(CpuCollector, GuestCanBeDisabled) {
  CpuOptions o;
  o.guest = false;
  auto c = NewCpuCollector(testing::FixturePaths(kFixture), o);
  MetricSet set = CollectOnce(*c);
  EXPECT_EQ(set.Find("node_cpu_guest_seconds_total"), nullptr);
  EXPECT_EQ(SampleCount(set, "node_cpu_seconds_total"), 16u);
}

TEST(CpuCollector, IsolatedThrottlesAndOnline) {
  auto c = NewCpuCollector(testing::FixturePaths(kFixture), CpuOptions{});
  MetricSet set = CollectOnce(*c);
  EXPECT_EQ(Value(set, "node_cpu_isolated", {{"cpu", "2"}}), 1);
  EXPECT_EQ(SampleCount(set, "node_cpu_isolated"), 1u);

  // Package 0's count comes from cpu0, the first CPU of the package.
  EXPECT_EQ(Value(set, "node_cpu_package_throttles_total", {{"package", "0"}}), 3);
  EXPECT_EQ(SampleCount(set, "node_cpu_package_throttles_total"), 1u);
  // cpu0 has no core_throttle_count, so core 0's comes from its sibling
  // cpu2; cpu1 (core 1) has no thermal_throttle dir and cpu3 is offline.
  EXPECT_EQ(Value(set, "node_cpu_core_throttles_total", {{"package", "0"}, {"core", "0"}}), 11);
  EXPECT_EQ(SampleCount(set, "node_cpu_core_throttles_total"), 1u);

  EXPECT_EQ(Value(set, "node_cpu_online", {{"cpu", "0"}}), 1);
  EXPECT_EQ(Value(set, "node_cpu_online", {{"cpu", "2"}}), 1);
  EXPECT_EQ(Value(set, "node_cpu_online", {{"cpu", "3"}}), 0);
  EXPECT_EQ(SampleCount(set, "node_cpu_online"), 4u);
  // Without --collector.cpu.info nothing comes from /proc/cpuinfo.
  EXPECT_EQ(set.Find("node_cpu_info"), nullptr);
  EXPECT_EQ(set.Find("node_cpu_frequency_hertz"), nullptr);
}

TEST(CpuCollector, InfoFlagsAndBugs) {
  CpuOptions o;
  o.flags_include = "^avx";  // implies --collector.cpu.info
  o.bugs_include = "spectre";
  auto c = NewCpuCollector(testing::FixturePaths(kFixture), o);
  MetricSet set = CollectOnce(*c);
  Labels cpu1 = {{"package", "0"},
                 {"core", "1"},
                 {"cpu", "1"},
                 {"vendor", "GenuineIntel"},
                 {"family", "6"},
                 {"model", "85"},
                 {"model_name", "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz"},
                 {"microcode", "0x5003604"},
                 {"stepping", "7"},
                 {"cachesize", "36608 KB"}};
  EXPECT_EQ(Value(set, "node_cpu_info", cpu1), 1);
  EXPECT_EQ(SampleCount(set, "node_cpu_info"), 3u);
  EXPECT_EQ(Value(set, "node_cpu_flag_info", {{"flag", "avx"}}), 1);
  EXPECT_EQ(Value(set, "node_cpu_flag_info", {{"flag", "avx2"}}), 1);
  EXPECT_EQ(Value(set, "node_cpu_flag_info", {{"flag", "avx512f"}}), 1);
  EXPECT_EQ(SampleCount(set, "node_cpu_flag_info"), 3u);
  EXPECT_EQ(SampleCount(set, "node_cpu_bug_info"), 2u);
  EXPECT_EQ(Value(set, "node_cpu_bug_info", {{"bug", "spectre_v2"}}), 1);
  // cpufreq not enabled: no frequency from cpuinfo.
  EXPECT_EQ(set.Find("node_cpu_frequency_hertz"), nullptr);
}

TEST(CpuCollector, InfoWithoutIncludeFlagsHasNoFlagFamilies) {
  CpuOptions o;
  o.info = true;
  o.cpufreq_enabled = true;
  auto c = NewCpuCollector(testing::FixturePaths(kFixture), o);
  MetricSet set = CollectOnce(*c);
  EXPECT_EQ(SampleCount(set, "node_cpu_info"), 3u);
  EXPECT_EQ(set.Find("node_cpu_flag_info"), nullptr);
  EXPECT_EQ(set.Find("node_cpu_bug_info"), nullptr);
  EXPECT_DOUBLE_EQ(
      Value(set, "node_cpu_frequency_hertz", {{"package", "0"}, {"core", "0"}, {"cpu", "0"}}),
      2100.123e6);
  EXPECT_DOUBLE_EQ(
      Value(set, "node_cpu_frequency_hertz", {{"package", "0"}, {"core", "1"}, {"cpu", "1"}}),
      1999.5e6);
}

TEST(CpuCollector, FrequencyFollowsCpuinfoBetweenScrapes) {
  TempDir dir;
  std::string root = CopyFixture(dir);
  CpuOptions o;
  o.info = true;
  o.cpufreq_enabled = true;
  auto c = NewCpuCollector(testing::FixturePaths(root), o);
  CollectOnce(*c);
  std::string cpuinfo = *ReadFile(root + "/proc/cpuinfo");
  cpuinfo.replace(cpuinfo.find("2100.123"), 8, "1234.500");
  dir.Write("proc/cpuinfo", cpuinfo);
  MetricSet set = CollectOnce(*c);
  EXPECT_DOUBLE_EQ(
      Value(set, "node_cpu_frequency_hertz", {{"package", "0"}, {"core", "0"}, {"cpu", "0"}}),
      1234.5e6);
}

TEST(CpuCollector, BadRegexNamesTheFlag) {
  CpuOptions o;
  o.flags_include = "(";
  try {
    NewCpuCollector(testing::FixturePaths(kFixture), o);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("collector.cpu.info.flags-include"));
  }
  o.flags_include = "";
  o.bugs_include = "[";
  EXPECT_THROW(NewCpuCollector(testing::FixturePaths(kFixture), o), std::invalid_argument);
}

TEST(CpuCollector, CountersSurviveDipsAcrossScrapes) {
  TempDir dir;
  std::string root = CopyFixture(dir);
  auto c = NewCpuCollector(testing::FixturePaths(root), CpuOptions{});
  CollectOnce(*c);
  // user of cpu0 dips (a kernel accounting glitch); idle of cpu1 jumps back
  // by 10 s (hotplug), which resets cpu1.
  dir.Write("proc/stat",
            "cpu0 90 20 30 4001 5 6 7 8 9 10\n"
            "cpu1 1 0 1 4000 0 0 0 0 0 0\n");
  MetricSet set = CollectOnce(*c);
  EXPECT_DOUBLE_EQ(Value(set, "node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "user"}}), 1.0);
  EXPECT_DOUBLE_EQ(Value(set, "node_cpu_seconds_total", {{"cpu", "0"}, {"mode", "idle"}}), 40.01);
  EXPECT_DOUBLE_EQ(Value(set, "node_cpu_seconds_total", {{"cpu", "1"}, {"mode", "user"}}), 0.01);
  EXPECT_DOUBLE_EQ(Value(set, "node_cpu_seconds_total", {{"cpu", "1"}, {"mode", "idle"}}), 40.0);
}

TEST(CpuCollector, MissingProcStatFailsButKeepsOtherFamilies) {
  TempDir dir;
  std::string root = CopyFixture(dir);
  std::filesystem::remove(root + "/proc/stat");
  auto c = NewCpuCollector(testing::FixturePaths(root), CpuOptions{});
  MetricSet set;
  EXPECT_THROW(c->Collect(set), std::runtime_error);
  EXPECT_EQ(set.Find("node_cpu_seconds_total"), nullptr);
  EXPECT_EQ(Value(set, "node_cpu_package_throttles_total", {{"package", "0"}}), 3);
}

TEST(CpuCollector, MalformedCpuinfoFailsButKeepsSeconds) {
  TempDir dir;
  std::string root = CopyFixture(dir);
  dir.Write("proc/cpuinfo", "garbage\n");
  CpuOptions o;
  o.info = true;
  auto c = NewCpuCollector(testing::FixturePaths(root), o);
  MetricSet set;
  EXPECT_THROW(c->Collect(set), std::runtime_error);
  EXPECT_EQ(set.Find("node_cpu_info"), nullptr);
  EXPECT_EQ(SampleCount(set, "node_cpu_seconds_total"), 16u);
}

TEST(CpuCollector, UnreadableIsolatedFileRefusesToStart) {
  TempDir dir;
  std::string root = CopyFixture(dir);
  std::string isolated = root + "/sys/devices/system/cpu/isolated";
  // A directory in its place: reading it fails with EISDIR (not ENOENT),
  // which works even when the tests run as root.
  std::filesystem::remove(isolated);
  std::filesystem::create_directory(isolated);
  EXPECT_THROW(NewCpuCollector(testing::FixturePaths(root), CpuOptions{}), std::runtime_error);
  std::filesystem::remove(isolated);
  // Absent is fine: no node_cpu_isolated.
  auto c = NewCpuCollector(testing::FixturePaths(root), CpuOptions{});
  EXPECT_EQ(CollectOnce(*c).Find("node_cpu_isolated"), nullptr);
  dir.Write("sys/devices/system/cpu/isolated", "1,x\n");
  EXPECT_THROW(NewCpuCollector(testing::FixturePaths(root), CpuOptions{}), std::runtime_error);
}

TEST(CpuCollector, ThrottleCountsAreReReadEveryScrape) {
  TempDir dir;
  std::string root = CopyFixture(dir);
  auto c = NewCpuCollector(testing::FixturePaths(root), CpuOptions{});
  CollectOnce(*c);
  dir.Write("sys/devices/system/cpu/cpu0/thermal_throttle/package_throttle_count", "8\n");
  dir.Write("sys/devices/system/cpu/cpu2/thermal_throttle/core_throttle_count", "12\n");
  MetricSet set = CollectOnce(*c);
  EXPECT_EQ(Value(set, "node_cpu_package_throttles_total", {{"package", "0"}}), 8);
  EXPECT_EQ(Value(set, "node_cpu_core_throttles_total", {{"package", "0"}, {"core", "0"}}), 12);
}

TEST(CpuCollector, FirstCpuOfACoreWins) {
  TempDir dir;
  std::string root = CopyFixture(dir);
  // Now cpu0 (before its sibling cpu2 in Glob order) has a readable count.
  dir.Write("sys/devices/system/cpu/cpu0/thermal_throttle/core_throttle_count", "7\n");
  auto c = NewCpuCollector(testing::FixturePaths(root), CpuOptions{});
  MetricSet set = CollectOnce(*c);
  EXPECT_EQ(Value(set, "node_cpu_core_throttles_total", {{"package", "0"}, {"core", "0"}}), 7);
}

TEST(CpuCollector, HotplugIsPickedUp) {
  TempDir dir;
  std::string root = CopyFixture(dir);
  auto c = NewCpuCollector(testing::FixturePaths(root), CpuOptions{});
  MetricSet before = CollectOnce(*c);
  EXPECT_EQ(SampleCount(before, "node_cpu_core_throttles_total"), 1u);
  // cpu3 comes online as core 1 of package 1 with its own throttle counts.
  const std::string cpu3 = "sys/devices/system/cpu/cpu3/";
  dir.Write(cpu3 + "online", "1\n");
  dir.Write(cpu3 + "topology/physical_package_id", "1\n");
  dir.Write(cpu3 + "topology/core_id", "1\n");
  dir.Write(cpu3 + "thermal_throttle/core_throttle_count", "2\n");
  dir.Write(cpu3 + "thermal_throttle/package_throttle_count", "6\n");
  dir.Write("sys/devices/system/cpu/online", "0-3\n");
  MetricSet after = CollectOnce(*c);
  EXPECT_EQ(Value(after, "node_cpu_online", {{"cpu", "3"}}), 1);
  EXPECT_EQ(Value(after, "node_cpu_package_throttles_total", {{"package", "1"}}), 6);
  EXPECT_EQ(Value(after, "node_cpu_core_throttles_total", {{"package", "1"}, {"core", "1"}}), 2);
}

TEST(CpuCollector, NoOnlineFamilyWhenCpu0HasNoOnlineFile) {
  TempDir dir;
  std::string root = CopyFixture(dir);
  std::filesystem::remove(root + "/sys/devices/system/cpu/cpu0/online");
  auto c = NewCpuCollector(testing::FixturePaths(root), CpuOptions{});
  EXPECT_EQ(CollectOnce(*c).Find("node_cpu_online"), nullptr);
}

TEST(CpuCollector, ListCpuDirsUsesGlobOrder) {
  TempDir dir;
  for (const char* n : {"cpu0", "cpu10", "cpu2", "cpufreq", "cpuidle", "cpu1"}) {
    std::filesystem::create_directories(dir.path() + "/sys/devices/system/cpu/" + n);
  }
  Paths p;
  p.sysfs = dir.path() + "/sys";
  EXPECT_THAT(ListCpuDirs(p), ElementsAre("cpu0", "cpu1", "cpu10", "cpu2"));
  CpuDirLister lister(p);
  EXPECT_THAT(lister.List(), ElementsAre("cpu0", "cpu1", "cpu10", "cpu2"));
  // A fixture tree is listed afresh each time: a CPU added shows at once.
  std::filesystem::create_directories(dir.path() + "/sys/devices/system/cpu/cpu3");
  EXPECT_THAT(lister.List(), ElementsAre("cpu0", "cpu1", "cpu10", "cpu2", "cpu3"));
  std::filesystem::remove_all(dir.path() + "/sys/devices/system/cpu");
  EXPECT_THAT(lister.List(), ElementsAre());
}

// On the live sysfs the directory stays open; each listing is still the current one.
TEST(CpuCollector, CpuDirListerOnLiveSysfsListsAsListCpuDirs) {
  Paths live;
  if (!IsSysfsMount(live.Sys("devices/system/cpu"))) GTEST_SKIP() << "no sysfs mounted";
  CpuDirLister lister(live);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(lister.List(), ListCpuDirs(live));
  EXPECT_FALSE(lister.List().empty());
}

TEST(CpuCollector, IsRegistered) {
  const CollectorInfo* info = FindCollector("cpu");
  ASSERT_NE(info, nullptr);
  EXPECT_TRUE(info->enabled_by_default);
  EXPECT_NE(info->add_flags, nullptr);
}

}  // namespace
}  // namespace node_agent
