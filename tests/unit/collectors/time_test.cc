#include "collectors/time.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::Value;

TEST(ClocksourceParse, Fields) {
  EXPECT_EQ(ParseAvailableClocksources("tsc hpet acpi_pm \n"), (std::vector<std::string>{"tsc", "hpet", "acpi_pm"}));
  EXPECT_TRUE(ParseAvailableClocksources("\n").empty());
}

TEST(LocalZone, FollowsTz) {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  setenv("TZ", "UTC", 1);
  tzset();
  auto utc = LocalZone(1718000000);
  EXPECT_EQ(utc.name, "UTC");
  EXPECT_EQ(utc.offset_seconds, 0);
  // POSIX TZ string: no zoneinfo files needed. June is daylight time.
  setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
  tzset();
  auto summer = LocalZone(1718000000);
  EXPECT_EQ(summer.name, "CEST");
  EXPECT_EQ(summer.offset_seconds, 7200);
  if (old) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

TEST(Time, Ec2Fixture) {
  auto before = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  MetricSet set;
  NewTimeCollector(FixturePaths(testing::FixturePath("time/ec2")))->Collect(set);
  auto after = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  double now = Value(set, "node_time_seconds");
  EXPECT_GE(now, before - 1e-3);
  EXPECT_LE(now, after + 1e-3);
  EXPECT_EQ(SampleCount(set, "node_time_zone_offset_seconds"), 1u);
  EXPECT_EQ(SampleCount(set, "node_time_clocksource_available_info"), 3u);
  EXPECT_DOUBLE_EQ(Value(set, "node_time_clocksource_available_info", {{"clocksource", "kvm-clock"}, {"device", "0"}}),
                   1);
  EXPECT_DOUBLE_EQ(Value(set, "node_time_clocksource_current_info", {{"clocksource", "kvm-clock"}, {"device", "0"}}),
                   1);
  // Sorted by clocksource, as client_golang orders samples.
  const auto avail = testing::Find(set, "node_time_clocksource_available_info")->metric;
  EXPECT_EQ(avail[0].label[0].value, "acpi_pm");
  EXPECT_EQ(avail[2].label[0].value, "tsc");
}

TEST(Time, DeviceLabelIsThePositionAndOtherEntriesAreIgnored) {
  MetricSet set;
  NewTimeCollector(FixturePaths(testing::FixturePath("time/two_devices")))->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_time_clocksource_available_info"), 4u);
  EXPECT_DOUBLE_EQ(
      Value(set, "node_time_clocksource_available_info", {{"clocksource", "arch_sys_counter"}, {"device", "1"}}), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_time_clocksource_current_info", {{"clocksource", "tsc"}, {"device", "0"}}), 1);
  EXPECT_EQ(SampleCount(set, "node_time_clocksource_current_info"), 2u);
}

TEST(Time, NoClocksourceDirectoryStillReportsTime) {
  testing::TempDir dir;
  MetricSet set;
  NewTimeCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_time_seconds"), 1u);
  EXPECT_EQ(set.Find("node_time_clocksource_available_info"), nullptr);
}

TEST(Time, UnreadableClocksourceFailsAfterTimeMetrics) {
  testing::TempDir dir;
  dir.Write("sys/devices/system/clocksource/clocksource0/available_clocksource", "tsc\n");
  dir.Write("sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc\n");
  auto c = NewTimeCollector(FixturePaths(dir.path()));
  std::filesystem::remove(dir.path() + "/sys/devices/system/clocksource/clocksource0/current_clocksource");
  MetricSet set;
  EXPECT_THROW(c->Collect(set), std::runtime_error);
  EXPECT_EQ(SampleCount(set, "node_time_seconds"), 1u);
}

}  // namespace
}  // namespace node_agent
