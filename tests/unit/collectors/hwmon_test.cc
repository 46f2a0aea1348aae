#include "collectors/hwmon/hwmon.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "collectors/hwmon/libsensors.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePath;
using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

MetricSet CollectFixture(const HwmonOptions& options = {}) {
  auto collector = NewHwmonCollector(FixturePaths(FixturePath("hwmon")), options);
  MetricSet set;
  collector->Collect(set);
  return set;
}

Labels CS(const std::string& chip, const std::string& sensor) {
  return {{"chip", chip}, {"sensor", sensor}};
}

std::string Help(const MetricSet& set, const std::string& family) {
  auto f = testing::Find(set, family);
  return f ? f->help : "<absent>";
}

// ---- Pure functions. ----

TEST(HwmonParse, SensorFileName) {
  auto p = ParseSensorFileName("temp1_input");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, "temp");
  EXPECT_EQ(p->index, 1);
  EXPECT_EQ(p->property, "input");

  p = ParseSensorFileName("pwm1_auto_point1_pwm");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, "pwm");
  EXPECT_EQ(p->property, "auto_point1_pwm");

  p = ParseSensorFileName("in0");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, "in");
  EXPECT_EQ(p->index, 0);
  EXPECT_EQ(p->property, "");

  p = ParseSensorFileName("beep_enable");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, "beep_enable");
  EXPECT_EQ(p->index, 0);

  p = ParseSensorFileName("temp12_crit_alarm");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->index, 12);
  EXPECT_EQ(p->property, "crit_alarm");

  // The regexp backtracks to a shorter type when the id cannot be followed.
  p = ParseSensorFileName("fan_1x");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, "fan");
  EXPECT_EQ(p->property, "1x");

  EXPECT_FALSE(ParseSensorFileName("1temp"));
  EXPECT_FALSE(ParseSensorFileName("temp1x"));
  EXPECT_FALSE(ParseSensorFileName("temp1_"));
  EXPECT_FALSE(ParseSensorFileName(""));
  EXPECT_FALSE(ParseSensorFileName("temp99999999999999999999999_input"));  // Atoi overflow

  EXPECT_TRUE(IsHwmonSensorType("freq"));
  EXPECT_TRUE(IsHwmonSensorType("intrusion"));
  EXPECT_FALSE(IsHwmonSensorType("name"));
  EXPECT_FALSE(IsHwmonSensorType("temp_"));
}

TEST(HwmonParse, CleanMetricName) {
  EXPECT_EQ(CleanMetricName("Core 0"), "core_0");
  EXPECT_EQ(CleanMetricName("coretemp\n"), "coretemp");
  EXPECT_EQ(CleanMetricName("__a-b.c__"), "a_b_c");
  EXPECT_EQ(CleanMetricName("ÄB"), "b");           // one '_' per rune, then trimmed
  EXPECT_EQ(CleanMetricName("aÄÖb"), "a__b");
  EXPECT_EQ(CleanMetricName("x\xff" "y"), "x_y");  // an invalid byte is one rune
  EXPECT_EQ(CleanMetricName("\xE2\x84\xAA"), "k");  // KELVIN SIGN lower-cases to 'k'
  EXPECT_EQ(CleanMetricName("---"), "");
}

TEST(HwmonParse, ToValidUtf8) {
  EXPECT_EQ(ToValidUtf8("Core 0"), "Core 0");
  EXPECT_EQ(ToValidUtf8("a\xff\xfe" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(ToValidUtf8("\xC3\xA4"), "\xC3\xA4");
  EXPECT_EQ(ToValidUtf8("\xC3"), "\xEF\xBF\xBD");
}

TEST(HwmonParse, ParseGoFloat) {
  EXPECT_EQ(ParseGoFloat("42000"), 42000.0);
  EXPECT_EQ(ParseGoFloat("-5"), -5.0);
  EXPECT_EQ(ParseGoFloat("+5"), 5.0);
  EXPECT_EQ(ParseGoFloat("1e3"), 1000.0);
  EXPECT_FALSE(ParseGoFloat(""));
  EXPECT_FALSE(ParseGoFloat(" 1"));
  EXPECT_FALSE(ParseGoFloat("1 "));
  EXPECT_FALSE(ParseGoFloat("12abc"));
  EXPECT_FALSE(ParseGoFloat("1e999"));
}

TEST(HwmonParse, ChipNameFromDevicePath) {
  EXPECT_EQ(ChipNameFromDevicePath("/sys/devices/platform/coretemp.0"), "platform_coretemp_0");
  EXPECT_EQ(ChipNameFromDevicePath("/sys/devices/pci0000:00/0000:00:18.3"),
            "pci0000:00_0000:00:18_3");
  EXPECT_EQ(ChipNameFromDevicePath("/x/platform/soc/18000000.wifi/ieee80211/phy0"),
            "ieee80211_phy0");
  EXPECT_EQ(ChipNameFromDevicePath("coretemp.0"), "coretemp_0");
  EXPECT_EQ(ChipNameFromDevicePath("/sys/devices/--/coretemp.0"), "coretemp_0");
  EXPECT_EQ(ChipNameFromDevicePath("/sys/devices/platform/--"), "");
}

TEST(HwmonParse, AssignChipLabelsDisambiguatesOnlyCollisions) {
  std::vector<ChipIdentity> chips = {
      {"platform_coretemp_0", "coretemp", "hwmon0"},
      {"platform_coretemp_1", "coretemp", "hwmon1"},
      {"ieee80211_phy0", "mt7996_phy0_0", "hwmon8"},
      {"ieee80211_phy0", "mt7996_phy0_1", "hwmon9"},
      {"pci_dimm", "spd5118", "hwmon6"},
      {"pci_dimm", "spd5118", "hwmon7"},
      {"pci_x", "", "hwmon10"},
      {"pci_x", "other", "hwmon11"},
  };
  EXPECT_EQ(AssignChipLabels(chips),
            (std::vector<std::string>{"platform_coretemp_0", "platform_coretemp_1",
                                      "ieee80211_phy0_mt7996_phy0_0",
                                      "ieee80211_phy0_mt7996_phy0_1", "pci_dimm_hwmon6",
                                      "pci_dimm_hwmon7", "pci_x_hwmon10", "pci_x_other"}));
}

TEST(HwmonParse, MetricSpecs) {
  auto s = HwmonMetricFor("temp", "input", false, false);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "node_hwmon_temp_celsius");
  EXPECT_EQ(s->help, "Hardware monitor for temperature (input)");
  EXPECT_DOUBLE_EQ(s->Apply(55000), 55.0);

  s = HwmonMetricFor("temp", "input", true, false);
  EXPECT_EQ(s->name, "node_hwmon_temp_input_celsius");
  s = HwmonMetricFor("temp", "", true, false);
  EXPECT_EQ(s->name, "node_hwmon_temp_celsius");
  EXPECT_EQ(s->help, "Hardware monitor for temperature (input)");

  s = HwmonMetricFor("in", "max", false, false);
  EXPECT_EQ(s->name, "node_hwmon_in_max_volts");
  EXPECT_DOUBLE_EQ(s->Apply(1744), 1.744);

  s = HwmonMetricFor("power", "average", false, false);
  EXPECT_EQ(s->name, "node_hwmon_power_average_watt");
  EXPECT_DOUBLE_EQ(s->Apply(12500000), 12.5);

  s = HwmonMetricFor("energy", "input", false, false);
  EXPECT_EQ(s->name, "node_hwmon_energy_joule_total");
  EXPECT_EQ(s->type, MetricType::Counter);

  s = HwmonMetricFor("fan", "alarm", false, false);
  EXPECT_EQ(s->name, "node_hwmon_fan_alarm");
  EXPECT_EQ(s->help, "Hardware sensor alarm status (fan)");

  s = HwmonMetricFor("intrusion", "beep", false, false);
  EXPECT_EQ(s->name, "node_hwmon_intrusion_beep_enabled");

  s = HwmonMetricFor("pwm", "weight_temp_sel", false, false);
  EXPECT_EQ(s->name, "node_hwmon_pwm_weight_temp_sel");
  EXPECT_EQ(s->help, "Hardware monitor pwm element weight_temp_sel");

  EXPECT_FALSE(HwmonMetricFor("freq", "input", false, false));
  s = HwmonMetricFor("freq", "input", false, true);
  EXPECT_EQ(s->name, "node_hwmon_freq_freq_mhz");
  EXPECT_TRUE(s->sensor_from_label);
  EXPECT_FALSE(HwmonMetricFor("temp", "label", false, false));
}

TEST(HwmonParse, EmitSensorSkipsUnparsableValues) {
  MetricSet set;
  HwmonEmitSensor(set, "c", "in3", {std::nullopt, {{"input", "bogus"}, {"max", "2000"}}});
  EXPECT_EQ(SampleCount(set, "node_hwmon_in_volts"), 0u);
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_in_max_volts", CS("c", "in3")), 2.0);

  MetricSet beep;
  HwmonEmitSensor(beep, "c", "beep_enable0", {std::nullopt, {{"", "0"}}});
  EXPECT_EQ(Value(beep, "node_hwmon_beep_enabled", CS("c", "beep_enable0")), 0.0);
}

// ---- The collector on the committed fixture tree. ----

TEST(HwmonCollector, ChipNaming) {
  MetricSet set = CollectFixture();
  auto names = [&](const std::string& chip, const std::string& name) {
    return Value(set, "node_hwmon_chip_names", {{"chip", chip}, {"chip_name", name}});
  };
  EXPECT_EQ(names("platform_coretemp_0", "coretemp"), 1.0);
  EXPECT_EQ(names("platform_nct6775_2592", "nct6798"), 1.0);
  // Several hwmon nodes under one device: suffixed by name, else by hwmonN.
  EXPECT_EQ(names("platform_asus_nb_wmi_asus", "asus"), 1.0);
  EXPECT_EQ(names("platform_asus_nb_wmi_asus_wmi_sensors", "asus_wmi_sensors"), 1.0);
  EXPECT_EQ(names("pci0000:00_0000:00:1f_3_hwmon6", "spd5118"), 1.0);
  EXPECT_EQ(names("pci0000:00_0000:00:1f_3_hwmon7", "spd5118"), 1.0);
  // No device link: the name file names the chip.
  EXPECT_EQ(names("acpitz", "acpitz"), 1.0);
  EXPECT_EQ(names("0000:00:01_0_0000:01:00_0", "amdgpu"), 1.0);
  // Chips without a name file have no annotation.
  EXPECT_EQ(SampleCount(set, "node_hwmon_chip_names"), 8u);

  // No name, no device: the hwmonN directory name.
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_temp_celsius", CS("hwmon1", "temp1")), 39.0);
  EXPECT_DOUBLE_EQ(
      Value(set, "node_hwmon_temp_celsius", CS("platform_asus_nb_wmi_asus_wmi_sensors", "temp1")),
      61.0);
}

TEST(HwmonCollector, TemperaturesAndLabels) {
  MetricSet set = CollectFixture();
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_temp_celsius", CS("platform_coretemp_0", "temp1")), 48.0);
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_temp_celsius", CS("platform_coretemp_0", "temp2")), 45.5);
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_temp_max_celsius", CS("platform_coretemp_0", "temp1")),
                   80.0);
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_temp_crit_celsius", CS("platform_coretemp_0", "temp1")),
                   100.0);
  EXPECT_EQ(Value(set, "node_hwmon_temp_crit_alarm_celsius", CS("platform_coretemp_0", "temp1")),
            0.0);
  EXPECT_EQ(Help(set, "node_hwmon_temp_celsius"), "Hardware monitor for temperature (input)");
  EXPECT_EQ(Help(set, "node_hwmon_temp_max_celsius"), "Hardware monitor for temperature (max)");

  auto label = [&](const std::string& chip, const std::string& sensor, const std::string& l) {
    return Value(set, "node_hwmon_sensor_label", {{"chip", chip}, {"sensor", sensor}, {"label", l}});
  };
  EXPECT_EQ(label("platform_coretemp_0", "temp1", "Package id 0"), 1.0);
  EXPECT_EQ(label("platform_coretemp_0", "temp2", "Core 0"), 1.0);
  // Only newlines are trimmed from labels; invalid UTF-8 is replaced.
  EXPECT_EQ(label("platform_applesmc_768", "fan1", "Left side  "), 1.0);
  EXPECT_EQ(label("0000:00:01_0_0000:01:00_0", "temp1", "edge\xEF\xBF\xBDtemp"), 1.0);
  // Sensors without label files have no label sample.
  EXPECT_EQ(Value(set, "node_hwmon_sensor_label",
                  {{"chip", "platform_nct6775_2592"}, {"sensor", "in0"}, {"label", "in0"}}),
            -12345.678);

  // A plain value file and an _input file: both, named apart.
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_temp_celsius", CS("platform_nct6775_2592", "temp8")), 41.0);
  EXPECT_DOUBLE_EQ(
      Value(set, "node_hwmon_temp_input_celsius", CS("platform_nct6775_2592", "temp8")), 42.0);
  EXPECT_EQ(Value(set, "node_hwmon_temp_type", CS("platform_nct6775_2592", "temp7")), 4.0);
  EXPECT_EQ(Value(set, "node_hwmon_temp_fault", CS("platform_nct6775_2592", "temp7")), 0.0);
}

TEST(HwmonCollector, AllSensorKinds) {
  MetricSet set = CollectFixture();
  const std::string c = "platform_nct6775_2592";
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_in_volts", CS(c, "in0")), 1.032);
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_in_max_volts", CS(c, "in0")), 1.744);
  EXPECT_EQ(Value(set, "node_hwmon_in_min_volts", CS(c, "in0")), 0.0);
  EXPECT_EQ(Value(set, "node_hwmon_in_alarm", CS(c, "in0")), 0.0);
  EXPECT_EQ(Help(set, "node_hwmon_in_alarm"), "Hardware sensor alarm status (in)");
  EXPECT_EQ(Value(set, "node_hwmon_in_beep_enabled", CS(c, "in0")), 1.0);
  EXPECT_EQ(Help(set, "node_hwmon_in_beep_enabled"), "Hardware monitor sensor has beeping enabled");
  EXPECT_EQ(Value(set, "node_hwmon_in_volts", CS(c, "in1")), -12345.678);  // "not-a-number"
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_cpu_vid_volts", CS(c, "cpu0")), 1.55);
  EXPECT_EQ(Value(set, "node_hwmon_fan_rpm", CS(c, "fan1")), 1205.0);
  EXPECT_EQ(Value(set, "node_hwmon_fan_min_rpm", CS(c, "fan1")), 300.0);
  EXPECT_EQ(Value(set, "node_hwmon_fan_target_rpm", CS(c, "fan1")), 1200.0);
  EXPECT_EQ(Value(set, "node_hwmon_fan_pulses", CS(c, "fan1")), 2.0);
  EXPECT_EQ(Help(set, "node_hwmon_fan_pulses"), "Hardware monitor fan element pulses");
  EXPECT_EQ(Value(set, "node_hwmon_pwm", CS(c, "pwm1")), 128.0);
  EXPECT_EQ(Value(set, "node_hwmon_pwm_enable", CS(c, "pwm1")), 5.0);
  EXPECT_EQ(Value(set, "node_hwmon_pwm_auto_point1_temp", CS(c, "pwm1")), 30000.0);
  EXPECT_EQ(Value(set, "node_hwmon_intrusion_alarm", CS(c, "intrusion0")), 1.0);
  EXPECT_EQ(Value(set, "node_hwmon_beep_enabled", CS(c, "beep_enable0")), 1.0);
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_voltage_regulator_version", CS(c, "vrm0")), 9.1);
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_update_interval_seconds", CS(c, "update_interval0")),
                   1.5);
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_curr_amps", CS(c, "curr1")), 2.5);
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_power_average_watt", CS(c, "power1")), 12.5);
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_power_average_interval_seconds", CS(c, "power1")), 1.0);
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_power_accuracy", CS(c, "power1")), 0.095);
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_energy_joule_total", CS(c, "energy1")), 123.456789);
  EXPECT_EQ(set.Find("node_hwmon_energy_joule_total")->type, MetricType::Counter);
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_humidity", CS(c, "humidity1")), 0.0455);

  // Old-style driver: attributes on the parent device.
  EXPECT_EQ(Value(set, "node_hwmon_fan_rpm", CS("platform_applesmc_768", "fan1")), 2160.0);
  EXPECT_EQ(Value(set, "node_hwmon_fan_max_rpm", CS("platform_applesmc_768", "fan1")), 6156.0);
  EXPECT_EQ(Value(set, "node_hwmon_fan_manual", CS("platform_applesmc_768", "fan1")), 0.0);

  // GPU clocks: labelled by the cleaned label; unlabelled ones dropped.
  const std::string gpu = "0000:00:01_0_0000:01:00_0";
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_freq_freq_mhz", CS(gpu, "sclk")), 1800.0);
  EXPECT_EQ(SampleCount(set, "node_hwmon_freq_freq_mhz"), 1u);
}

TEST(HwmonCollector, ChipAndSensorFilters) {
  HwmonOptions o;
  o.chip_include = "coretemp|nct";
  o.sensor_exclude = "platform_coretemp_0;temp2";
  MetricSet set = CollectFixture(o);
  EXPECT_EQ(SampleCount(set, "node_hwmon_chip_names"), 2u);
  EXPECT_EQ(Value(set, "node_hwmon_temp_celsius", CS("platform_coretemp_0", "temp2")), -12345.678);
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_temp_celsius", CS("platform_coretemp_0", "temp1")), 48.0);
  EXPECT_EQ(Value(set, "node_hwmon_temp_celsius", CS("acpitz", "temp1")), -12345.678);

  // The chip filter sees the disambiguated label.
  o = {};
  o.chip_exclude = "_hwmon6$";
  set = CollectFixture(o);
  EXPECT_EQ(Value(set, "node_hwmon_temp_celsius", CS("pci0000:00_0000:00:1f_3_hwmon6", "temp1")),
            -12345.678);
  EXPECT_DOUBLE_EQ(
      Value(set, "node_hwmon_temp_celsius", CS("pci0000:00_0000:00:1f_3_hwmon7", "temp1")), 37.0);
}

TEST(HwmonCollector, BadRegexNamesTheFlag) {
  HwmonOptions o;
  o.sensor_include = "(";
  try {
    NewHwmonCollector(FixturePaths(FixturePath("hwmon")), o);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("collector.hwmon.sensor-include"), std::string::npos);
  }
}

TEST(HwmonCollector, LibsensorsLeavesFixtureTreesAlone) {
  HwmonOptions with, without;
  with.libsensors = true;
  without.libsensors = false;
  EXPECT_EQ(testing::Serialize(CollectFixture(with)), testing::Serialize(CollectFixture(without)));
}

TEST(HwmonCollector, NoClassDirectoryIsNoData) {
  TempDir dir;
  Paths p = FixturePaths(dir.path());
  auto c = NewHwmonCollector(p, {});
  MetricSet set;
  EXPECT_EQ(RunCollect(*c, set).status, CollectStatus::kNoData);
}

// ---- Runtime-built trees. ----

void Symlink(const std::string& target, const std::string& link) {
  std::filesystem::create_directories(std::filesystem::path(link).parent_path());
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0) << link;
}

TEST(HwmonCollector, ReReadsValuesAndRescansOnChipChanges) {
  TempDir dir;
  dir.Write("sys/devices/platform/coretemp.0/hwmon/hwmon0/name", "coretemp\n");
  dir.Write("sys/devices/platform/coretemp.0/hwmon/hwmon0/temp1_input", "40000\n");
  Symlink("../../devices/platform/coretemp.0/hwmon/hwmon0", dir.path() + "/sys/class/hwmon/hwmon0");
  auto c = NewHwmonCollector(FixturePaths(dir.path()), {});

  MetricSet a;
  c->Collect(a);
  EXPECT_DOUBLE_EQ(Value(a, "node_hwmon_temp_celsius", CS("coretemp", "temp1")), 40.0);

  // Same file, new content: the kept-open descriptor sees it.
  dir.Write("sys/devices/platform/coretemp.0/hwmon/hwmon0/temp1_input", "41500\n");
  // A new chip appears.
  dir.Write("sys/devices/virtual/hwmon/hwmon1/name", "acpitz\n");
  dir.Write("sys/devices/virtual/hwmon/hwmon1/temp1_input", "30000\n");
  Symlink("../../devices/virtual/hwmon/hwmon1", dir.path() + "/sys/class/hwmon/hwmon1");
  MetricSet b;
  c->Collect(b);
  EXPECT_DOUBLE_EQ(Value(b, "node_hwmon_temp_celsius", CS("coretemp", "temp1")), 41.5);
  EXPECT_DOUBLE_EQ(Value(b, "node_hwmon_temp_celsius", CS("acpitz", "temp1")), 30.0);

  // A chip goes away.
  std::filesystem::remove(dir.path() + "/sys/class/hwmon/hwmon0");
  MetricSet d;
  c->Collect(d);
  EXPECT_EQ(Value(d, "node_hwmon_temp_celsius", CS("coretemp", "temp1")), -12345.678);
  EXPECT_EQ(SampleCount(d, "node_hwmon_chip_names"), 1u);
}

TEST(HwmonCollector, UnreadableAndOddFilesAreSkipped) {
  TempDir dir;
  const std::string d = "sys/class/hwmon/hwmon3/";
  dir.Write(d + "name", "odd\n");
  dir.Write(d + "temp1_input", "40000\n");
  dir.Write(d + "temp1_label", "good\n");
  // A FIFO with no writer: the O_NONBLOCK read returns at once, empty.
  ASSERT_EQ(::mkfifo((dir.path() + "/" + d + "temp2_input").c_str(), 0644), 0);
  // A directory where a value file should be: read fails (EISDIR).
  std::filesystem::create_directories(dir.path() + "/" + d + "temp3_input");
  // A sensor whose only file cannot be read leaves no trace.
  std::filesystem::create_directories(dir.path() + "/" + d + "in0_input");
  dir.Write(d + "fan1_input", "");  // empty value
  // A `device` entry that is a plain file, not a directory.
  dir.Write(d + "device", "garbage\n");

  auto c = NewHwmonCollector(FixturePaths(dir.path()), {});
  MetricSet set;
  ASSERT_NO_THROW(c->Collect(set));
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_temp_celsius", CS("odd", "temp1")), 40.0);
  EXPECT_EQ(SampleCount(set, "node_hwmon_temp_celsius"), 1u);
  EXPECT_EQ(SampleCount(set, "node_hwmon_in_volts"), 0u);
  EXPECT_EQ(SampleCount(set, "node_hwmon_fan_rpm"), 0u);
  EXPECT_EQ(SampleCount(set, "node_hwmon_sensor_label"), 1u);
}

TEST(HwmonCollector, FollowsFlattenedSymlinkStubs) {
  // Fixture unpackers may store symlinks as files holding the target path.
  TempDir dir;
  dir.Write("sys/devices/platform/coretemp.0/hwmon/hwmon0/name", "coretemp\n");
  dir.Write("sys/devices/platform/coretemp.0/hwmon/hwmon0/temp1_input", "40000\n");
  dir.Write("sys/devices/platform/coretemp.0/hwmon/hwmon0/device", "../../../coretemp.0");
  dir.Write("sys/class/hwmon/hwmon0", "../../devices/platform/coretemp.0/hwmon/hwmon0");
  auto c = NewHwmonCollector(FixturePaths(dir.path()), {});
  MetricSet set;
  c->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_temp_celsius", CS("platform_coretemp_0", "temp1")), 40.0);
}

// ---- libsensors configuration. ----

TEST(HwmonLibsensors, DiffFindsIgnoresAndConfiguredLabels) {
  FeatureLabels baseline = {{"temp1", "Package id 0"}, {"temp2", "Core 0"}, {"in0", "in0"},
                            {"beep_enable", "beep_enable"}, {"fan1", "fan1"}};
  FeatureLabels configured = {{"temp1", "CPU"}, {"in0", "Vcore"}, {"fan1", "fan1"}};
  SensorsChipConfig c = DiffSensorsConfig(baseline, configured);
  EXPECT_EQ(c.ignored, (std::set<std::string>{"temp2", "beep_enable0"}));
  EXPECT_EQ(c.labels, (std::map<std::string, std::string>{{"temp1", "CPU"}, {"in0", "Vcore"}}));
}

TEST(HwmonLibsensors, ApplyDropsIgnoredAndReplacesLabels) {
  SensorsChipConfig c;
  c.ignored = {"temp2"};
  c.labels = {{"temp1", "CPU"}, {"in0", "Vcore"}};
  std::optional<std::string> label = "Package id 0";
  EXPECT_TRUE(ApplySensorsChipConfig(c, "temp1", label));
  EXPECT_EQ(label, "CPU");
  label.reset();
  EXPECT_TRUE(ApplySensorsChipConfig(c, "in0", label));  // no sysfs label: gains one
  EXPECT_EQ(label, "Vcore");
  label = "Core 0";
  EXPECT_FALSE(ApplySensorsChipConfig(c, "temp2", label));
  label = "x";
  EXPECT_TRUE(ApplySensorsChipConfig(c, "fan1", label));
  EXPECT_EQ(label, "x");
}

FILE* ConfigFile(const std::string& text) {
  FILE* f = std::tmpfile();
  std::fputs(text.c_str(), f);
  std::rewind(f);
  return f;
}

TEST(HwmonLibsensors, LoadsAValidConfiguration) {
  // Real libsensors; on a machine with chips the result depends on them, so
  // only check that a valid file is accepted and every entry names a
  // canonical directory.
  FILE* f = ConfigFile("chip \"coretemp-*\"\n  label temp1 \"CPU\"\n  ignore temp2\n");
  std::string error;
  auto config = LoadSensorsConfig(f, &error);
  std::fclose(f);
  ASSERT_TRUE(config) << error;
  for (const auto& [path, chip] : *config) EXPECT_EQ(path.front(), '/');
}

TEST(HwmonLibsensors, ReportsSyntaxErrorsAndGoesOn) {
  FILE* f = ConfigFile("chip \"coretemp-*\"\n  label temp1 \"CPU\"\nbogus statement\n");
  std::string error, parse_errors;
  auto config = LoadSensorsConfig(f, &error, &parse_errors);
  std::fclose(f);
  EXPECT_TRUE(config) << error;  // libsensors skips the bad statement, as `sensors` does
  EXPECT_NE(parse_errors.find(":3: "), std::string::npos) << parse_errors;
}

// ---- node_exporter's own e2e fixture, when the shared tree is present. ----

TEST(HwmonCollector, NodeExporterE2EFixture) {
  std::string ne = testing::NodeExporterConformanceDir();
  if (ne.empty()) GTEST_SKIP() << "../shared/conformance is not beside this checkout";
  std::string root = ne + "/fixtures";
  HwmonOptions o;
  o.chip_include = "(applesmc|asus_nb_wmi|coretemp|hwmon4|ieee80211|nct6779)";
  auto c = NewHwmonCollector(FixturePaths(root), o);
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Value(set, "node_hwmon_chip_names",
                  {{"chip", "ieee80211_phy0_mt7996_phy0_2"}, {"chip_name", "mt7996_phy0_2"}}),
            1.0);
  EXPECT_EQ(Value(set, "node_hwmon_pwm_enable", CS("platform_asus_nb_wmi_asus_wmi_sensors", "pwm1")),
            2.0);
  EXPECT_DOUBLE_EQ(Value(set, "node_hwmon_freq_freq_mhz", CS("hwmon4", "mclk")), 300.0);
  EXPECT_EQ(Value(set, "node_hwmon_fan_rpm", CS("platform_applesmc_768", "fan2")), 1998.0);
}

}  // namespace
}  // namespace node_agent
