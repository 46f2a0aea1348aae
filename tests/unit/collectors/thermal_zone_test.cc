#include "collectors/thermal_zone.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePath;
using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

Labels Zone(const std::string& zone, const std::string& type) {
  return {{"zone", zone}, {"type", type}};
}
Labels Dev(const std::string& name, const std::string& type) {
  return {{"name", name}, {"type", type}};
}

TEST(ThermalZoneParse, NumberedEntries) {
  EXPECT_EQ(MatchNumberedEntry("thermal_zone0", "thermal_zone"), "0");
  EXPECT_EQ(MatchNumberedEntry("thermal_zone12", "thermal_zone"), "12");
  EXPECT_EQ(MatchNumberedEntry("thermal_zone1a", "thermal_zone"), "1a");  // glob [0-9]*
  EXPECT_FALSE(MatchNumberedEntry("thermal_zonex", "thermal_zone"));
  EXPECT_FALSE(MatchNumberedEntry("thermal_zone", "thermal_zone"));
  EXPECT_EQ(MatchNumberedEntry("cooling_device3", "cooling_device"), "3");
  EXPECT_FALSE(MatchNumberedEntry("cooling_device3", "thermal_zone"));
}

TEST(ThermalZoneParse, ErrorClasses) {
  EXPECT_EQ(ClassifyZoneError(ENOENT), ZoneReadError::kMissing);
  EXPECT_EQ(ClassifyZoneError(EACCES), ZoneReadError::kMissing);
  EXPECT_EQ(ClassifyZoneError(ENODATA), ZoneReadError::kSkipZone);
  EXPECT_EQ(ClassifyZoneError(EAGAIN), ZoneReadError::kSkipZone);
  EXPECT_EQ(ClassifyZoneError(ENOTDIR), ZoneReadError::kSkipZone);
  EXPECT_EQ(ClassifyZoneError(EIO), ZoneReadError::kFatal);
  EXPECT_EQ(ClassifyZoneError(EISDIR), ZoneReadError::kFatal);
  EXPECT_TRUE(CoolingErrorIgnorable(EINVAL));
  EXPECT_TRUE(CoolingErrorIgnorable(EOPNOTSUPP));
  EXPECT_TRUE(CoolingErrorIgnorable(ENOENT));
  EXPECT_FALSE(CoolingErrorIgnorable(ENODATA));
  EXPECT_FALSE(CoolingErrorIgnorable(EIO));
}

TEST(ThermalZoneCollector, Fixture) {
  auto c = NewThermalZoneCollector(FixturePaths(FixturePath("hwmon")));
  MetricSet set;
  c->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_thermal_zone_temp", Zone("0", "x86_pkg_temp")), 47.0);
  EXPECT_DOUBLE_EQ(Value(set, "node_thermal_zone_temp", Zone("1", "acpitz")), 16.8);
  EXPECT_DOUBLE_EQ(Value(set, "node_thermal_zone_temp", Zone("10", "iwlwifi_1")), -5.0);
  // zone2 is mode=disabled, zone3 has no policy file: both skipped.
  EXPECT_EQ(SampleCount(set, "node_thermal_zone_temp"), 3u);
  EXPECT_EQ(set.Find("node_thermal_zone_temp")->help, "Zone temperature in Celsius");

  EXPECT_EQ(Value(set, "node_cooling_device_cur_state", Dev("0", "Processor")), 0.0);
  EXPECT_EQ(Value(set, "node_cooling_device_max_state", Dev("0", "Processor")), 10.0);
  EXPECT_EQ(Value(set, "node_cooling_device_cur_state", Dev("1", "intel_powerclamp")), -1.0);
  EXPECT_EQ(Value(set, "node_cooling_device_max_state", Dev("1", "intel_powerclamp")), 50.0);
  // cooling_device2 lacks max_state: skipped.
  EXPECT_EQ(SampleCount(set, "node_cooling_device_cur_state"), 2u);
  EXPECT_EQ(set.Find("node_cooling_device_cur_state")->help,
            "Current throttle state of the cooling device");
  EXPECT_EQ(set.Find("node_cooling_device_max_state")->help,
            "Maximum throttle state of the cooling device");
}

TEST(ThermalZoneCollector, NoThermalClassIsEmptySuccess) {
  TempDir dir;
  auto c = NewThermalZoneCollector(FixturePaths(dir.path()));
  MetricSet set;
  EXPECT_NO_THROW(c->Collect(set));
  EXPECT_TRUE(set.empty());
}

void WriteZone(const TempDir& dir, const std::string& n, const std::string& temp) {
  dir.Write("sys/class/thermal/thermal_zone" + n + "/type", "zone" + n + "\n");
  dir.Write("sys/class/thermal/thermal_zone" + n + "/policy", "step_wise\n");
  dir.Write("sys/class/thermal/thermal_zone" + n + "/temp", temp + "\n");
}

TEST(ThermalZoneCollector, ReReadsValuesAndNoticesNewZones) {
  TempDir dir;
  WriteZone(dir, "0", "40000");
  auto c = NewThermalZoneCollector(FixturePaths(dir.path()));
  MetricSet a;
  c->Collect(a);
  EXPECT_DOUBLE_EQ(Value(a, "node_thermal_zone_temp", Zone("0", "zone0")), 40.0);
  dir.Write("sys/class/thermal/thermal_zone0/temp", "41234\n");
  WriteZone(dir, "1", "30000");
  MetricSet b;
  c->Collect(b);
  EXPECT_DOUBLE_EQ(Value(b, "node_thermal_zone_temp", Zone("0", "zone0")), 41.234);
  EXPECT_DOUBLE_EQ(Value(b, "node_thermal_zone_temp", Zone("1", "zone1")), 30.0);
  // Disabling a zone at run time takes effect without a rescan.
  dir.Write("sys/class/thermal/thermal_zone1/mode", "disabled\n");
  std::filesystem::remove_all(dir.path() + "/sys/class/thermal/thermal_zone0");
  MetricSet d;
  c->Collect(d);
  EXPECT_EQ(SampleCount(d, "node_thermal_zone_temp"), 0u);
}

TEST(ThermalZoneCollector, FatalZoneErrorReportsNoZones) {
  TempDir dir;
  WriteZone(dir, "0", "40000");
  // A directory where `temp` should be: the read fails with EISDIR, which
  // procfs does not tolerate, so the whole collector fails.
  std::filesystem::create_directories(dir.path() + "/sys/class/thermal/thermal_zone1/temp");
  dir.Write("sys/class/thermal/thermal_zone1/type", "bad\n");
  dir.Write("sys/class/thermal/thermal_zone1/policy", "step_wise\n");
  dir.Write("sys/class/thermal/cooling_device0/type", "fan\n");
  dir.Write("sys/class/thermal/cooling_device0/cur_state", "1\n");
  dir.Write("sys/class/thermal/cooling_device0/max_state", "2\n");
  auto c = NewThermalZoneCollector(FixturePaths(dir.path()));
  MetricSet set;
  EXPECT_THROW(c->Collect(set), std::runtime_error);
  EXPECT_TRUE(set.empty());
}

TEST(ThermalZoneCollector, BadCoolingDeviceKeepsZones) {
  TempDir dir;
  WriteZone(dir, "0", "40000");
  dir.Write("sys/class/thermal/cooling_device0/type", "fan\n");
  dir.Write("sys/class/thermal/cooling_device0/cur_state", "garbage\n");
  dir.Write("sys/class/thermal/cooling_device0/max_state", "2\n");
  auto c = NewThermalZoneCollector(FixturePaths(dir.path()));
  MetricSet set;
  EXPECT_THROW(c->Collect(set), std::runtime_error);
  EXPECT_DOUBLE_EQ(Value(set, "node_thermal_zone_temp", Zone("0", "zone0")), 40.0);
  EXPECT_EQ(SampleCount(set, "node_cooling_device_cur_state"), 0u);
}

TEST(ThermalZoneCollector, FifoAndStubsDoNotHang) {
  TempDir dir;
  WriteZone(dir, "0", "40000");
  // A FIFO as an optional attribute: the non-blocking read returns empty,
  // which is not a number, so the collector fails rather than hangs.
  ASSERT_EQ(::mkfifo((dir.path() + "/sys/class/thermal/thermal_zone0/passive").c_str(), 0644), 0);
  auto c = NewThermalZoneCollector(FixturePaths(dir.path()));
  MetricSet set;
  EXPECT_THROW(c->Collect(set), std::runtime_error);

  // Flattened symlink stubs (files holding the link target) are followed.
  TempDir stub;
  stub.Write("sys/devices/virtual/thermal/thermal_zone0/type", "cpu-thermal\n");
  stub.Write("sys/devices/virtual/thermal/thermal_zone0/policy", "step_wise\n");
  stub.Write("sys/devices/virtual/thermal/thermal_zone0/temp", "12376\n");
  stub.Write("sys/class/thermal/thermal_zone0", "../../devices/virtual/thermal/thermal_zone0");
  auto s = NewThermalZoneCollector(FixturePaths(stub.path()));
  MetricSet out;
  s->Collect(out);
  EXPECT_DOUBLE_EQ(Value(out, "node_thermal_zone_temp", Zone("0", "cpu-thermal")), 12.376);
}

}  // namespace
}  // namespace node_agent
