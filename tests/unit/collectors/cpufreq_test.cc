#include "collectors/cpufreq.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using ::testing::ElementsAre;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

const std::string kFixture = testing::FixturePath("cpu");
const std::string kCpu = "sys/devices/system/cpu/";

TEST(ParseCpufreqValue, Numbers) {
  EXPECT_EQ(ParseCpufreqValue("1700000\n"), 1700000u);
  EXPECT_EQ(ParseCpufreqValue(" 42 "), 42u);
  EXPECT_FALSE(ParseCpufreqValue("<unknown>\n").has_value());
  EXPECT_FALSE(ParseCpufreqValue("").has_value());
  EXPECT_FALSE(ParseCpufreqValue("-5").has_value());
}

TEST(SplitGovernors, SplitsOnSingleSpaces) {
  EXPECT_THAT(SplitGovernors("performance powersave"), ElementsAre("performance", "powersave"));
  EXPECT_THAT(SplitGovernors("ondemand"), ElementsAre("ondemand"));
  EXPECT_THAT(SplitGovernors(""), ElementsAre(""));
  EXPECT_THAT(SplitGovernors("a  b"), ElementsAre("a", "", "b"));
}

TEST(EmitCpufreq, ConvertsKhzToHertz) {
  CpufreqStats s;
  s.name = "7";
  s.cpuinfo_cur_khz = 2000;
  s.scaling_max_khz = 3500000;
  s.governor = "schedutil";
  s.available_governors = "performance schedutil";
  MetricSet set;
  EmitCpufreq(s, set);
  EXPECT_EQ(Value(set, "node_cpu_frequency_hertz", {{"cpu", "7"}}), 2e6);
  EXPECT_EQ(Value(set, "node_cpu_scaling_frequency_max_hertz", {{"cpu", "7"}}), 3.5e9);
  EXPECT_EQ(set.Find("node_cpu_frequency_min_hertz"), nullptr);
  EXPECT_EQ(Value(set, "node_cpu_scaling_governor", {{"cpu", "7"}, {"governor", "schedutil"}}), 1);
  EXPECT_EQ(Value(set, "node_cpu_scaling_governor", {{"cpu", "7"}, {"governor", "performance"}}), 0);
  EXPECT_EQ(set.Find("node_cpu_scaling_governor")->help, "Current enabled CPU frequency governor.");
}

TEST(EmitCpufreq, NoGovernorNoGovernorSeries) {
  CpufreqStats s;
  s.name = "0";
  s.available_governors = "performance";
  MetricSet set;
  EmitCpufreq(s, set);
  EXPECT_TRUE(set.empty());
}

TEST(CpufreqCollector, FixtureTree) {
  auto c = NewCpufreqCollector(testing::FixturePaths(kFixture));
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Value(set, "node_cpu_frequency_hertz", {{"cpu", "0"}}), 2.1e9);
  EXPECT_EQ(Value(set, "node_cpu_frequency_min_hertz", {{"cpu", "0"}}), 8e8);
  EXPECT_EQ(Value(set, "node_cpu_frequency_max_hertz", {{"cpu", "0"}}), 3.5e9);
  EXPECT_EQ(Value(set, "node_cpu_scaling_frequency_hertz", {{"cpu", "0"}}), 2e9);
  EXPECT_EQ(Value(set, "node_cpu_scaling_frequency_min_hertz", {{"cpu", "0"}}), 1.2e9);
  EXPECT_EQ(Value(set, "node_cpu_scaling_frequency_max_hertz", {{"cpu", "0"}}), 3.1e9);
  EXPECT_EQ(Value(set, "node_cpu_scaling_governor", {{"cpu", "0"}, {"governor", "powersave"}}), 1);
  EXPECT_EQ(Value(set, "node_cpu_scaling_governor", {{"cpu", "0"}, {"governor", "performance"}}), 0);
  // cpu1: no cpuinfo_cur_freq, and scaling_cur_freq is not a number.
  EXPECT_EQ(Value(set, "node_cpu_frequency_max_hertz", {{"cpu", "1"}}), 3.5e9);
  EXPECT_EQ(Value(set, "node_cpu_scaling_governor", {{"cpu", "1"}, {"governor", "performance"}}), 1);
  EXPECT_EQ(SampleCount(set, "node_cpu_frequency_hertz"), 1u);
  EXPECT_EQ(SampleCount(set, "node_cpu_scaling_frequency_hertz"), 1u);
  // cpu2 has no cpufreq dir; cpu3 is listed in offline.
  EXPECT_EQ(SampleCount(set, "node_cpu_frequency_min_hertz"), 2u);
  EXPECT_EQ(SampleCount(set, "node_cpu_scaling_governor"), 4u);
  EXPECT_EQ(set.Find("node_cpu_scaling_frequency_hertz")->type, MetricType::Gauge);
}

TEST(CpufreqCollector, ReReadsChangingValues) {
  TempDir dir;
  std::filesystem::copy(kFixture, dir.path(), std::filesystem::copy_options::recursive);
  auto c = NewCpufreqCollector(testing::FixturePaths(dir.path()));
  MetricSet first;
  c->Collect(first);
  dir.Write(kCpu + "cpu0/cpufreq/scaling_cur_freq", "1500000\n");
  dir.Write(kCpu + "cpu0/cpufreq/scaling_governor", "performance\n");
  dir.Write(kCpu + "cpu1/cpufreq/scaling_cur_freq", "900000\n");
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Value(set, "node_cpu_scaling_frequency_hertz", {{"cpu", "0"}}), 1.5e9);
  EXPECT_EQ(Value(set, "node_cpu_scaling_frequency_hertz", {{"cpu", "1"}}), 9e8);
  EXPECT_EQ(Value(set, "node_cpu_scaling_governor", {{"cpu", "0"}, {"governor", "performance"}}), 1);
  EXPECT_EQ(Value(set, "node_cpu_scaling_governor", {{"cpu", "0"}, {"governor", "powersave"}}), 0);
}

TEST(CpufreqCollector, OnlinedCpuAppears) {
  TempDir dir;
  std::filesystem::copy(kFixture, dir.path(), std::filesystem::copy_options::recursive);
  auto c = NewCpufreqCollector(testing::FixturePaths(dir.path()));
  MetricSet first;
  c->Collect(first);
  EXPECT_EQ(Value(first, "node_cpu_scaling_frequency_hertz", {{"cpu", "3"}}), -12345.678);
  dir.Write(kCpu + "offline", "\n");
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Value(set, "node_cpu_scaling_frequency_hertz", {{"cpu", "3"}}), 999e3);
  EXPECT_EQ(Value(set, "node_cpu_frequency_min_hertz", {{"cpu", "3"}}), 8e8);
}

TEST(CpufreqCollector, ReadErrorSkipsOnlyThatValue) {
  TempDir dir;
  std::filesystem::copy(kFixture, dir.path(), std::filesystem::copy_options::recursive);
  // A directory where scaling_max_freq should be: read() fails with EISDIR,
  // standing in for a driver's EIO/ENODATA (and it works as root).
  std::string attr = dir.path() + "/" + kCpu + "cpu0/cpufreq/scaling_max_freq";
  std::filesystem::remove(attr);
  std::filesystem::create_directory(attr);
  auto c = NewCpufreqCollector(testing::FixturePaths(dir.path()));
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Value(set, "node_cpu_scaling_frequency_max_hertz", {{"cpu", "0"}}), -12345.678);
  EXPECT_EQ(Value(set, "node_cpu_scaling_frequency_hertz", {{"cpu", "0"}}), 2e9);
  EXPECT_EQ(Value(set, "node_cpu_scaling_frequency_max_hertz", {{"cpu", "1"}}), 3.5e9);
}

TEST(CpufreqCollector, MissingOfflineFileFails) {
  TempDir dir;
  std::filesystem::copy(kFixture, dir.path(), std::filesystem::copy_options::recursive);
  std::filesystem::remove(dir.path() + "/" + kCpu + "offline");
  auto c = NewCpufreqCollector(testing::FixturePaths(dir.path()));
  MetricSet set;
  EXPECT_THROW(c->Collect(set), std::runtime_error);
}

TEST(CpufreqCollector, NoCpusFails) {
  TempDir dir;
  dir.Write(kCpu + "offline", "\n");
  auto c = NewCpufreqCollector(testing::FixturePaths(dir.path()));
  MetricSet set;
  EXPECT_THROW(c->Collect(set), std::runtime_error);
}

TEST(CpufreqCollector, CpusWithoutCpufreqEmitNothing) {
  // Most EC2 instance types: CPUs but no cpufreq driver. Not an error.
  TempDir dir;
  dir.Write(kCpu + "offline", "\n");
  dir.Write(kCpu + "cpu0/online", "1\n");
  auto c = NewCpufreqCollector(testing::FixturePaths(dir.path()));
  MetricSet set;
  EXPECT_NO_THROW(c->Collect(set));
  EXPECT_TRUE(set.empty());
}

TEST(CpufreqCollector, IsRegistered) {
  const CollectorInfo* info = FindCollector("cpufreq");
  ASSERT_NE(info, nullptr);
  EXPECT_TRUE(info->enabled_by_default);
}

}  // namespace
}  // namespace node_agent
