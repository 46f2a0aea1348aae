#include "collectors/powersupplyclass.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::SampleCount;
using testing::TempDir;
using testing::Value;

TEST(PowerSupplyParse, Attributes) {
  PowerSupply ps;
  EXPECT_EQ(SetPowerSupplyAttribute(ps, "capacity", "81"), PowerSupplyAttr::kStored);
  EXPECT_EQ(SetPowerSupplyAttribute(ps, "energy_now", "36580000"), PowerSupplyAttr::kStored);
  EXPECT_EQ(SetPowerSupplyAttribute(ps, "status", "Discharging"), PowerSupplyAttr::kStored);
  EXPECT_EQ(SetPowerSupplyAttribute(ps, "voltage_avg", "11660000"), PowerSupplyAttr::kStored);
  EXPECT_EQ(SetPowerSupplyAttribute(ps, "uevent", "POWER_SUPPLY_NAME=BAT0"), PowerSupplyAttr::kIgnored);
  EXPECT_EQ(SetPowerSupplyAttribute(ps, "temp", "warm"), PowerSupplyAttr::kBadNumber);
  EXPECT_EQ(SetPowerSupplyAttribute(ps, "voltage_avg", ""), PowerSupplyAttr::kBadNumber);
  EXPECT_EQ(ps.numbers.at("capacity"), 81);
  EXPECT_EQ(ps.strings.at("status"), "Discharging");
}

TEST(PowerSupplyParse, Metrics) {
  PowerSupply ps;
  ps.name = "BAT0";
  for (auto [f, v] : std::initializer_list<std::pair<const char*, const char*>>{
           {"capacity", "81"}, {"cycle_count", "0"}, {"energy_now", "36580000"}, {"power_now", "5002000"},
           {"temp", "-55"}, {"voltage_avg", "1"}, {"type", "Battery"}, {"model_name", "LNV-45N1\xff\xfe"},
           {"health", ""}}) {
    SetPowerSupplyAttribute(ps, f, v);
  }
  MetricSet set;
  AddPowerSupplyMetrics(ps, set);
  Labels bat = {{"power_supply", "BAT0"}};
  EXPECT_EQ(Value(set, "node_power_supply_capacity", bat), 81);
  EXPECT_EQ(Value(set, "node_power_supply_cyclecount", bat), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_power_supply_energy_watthour", bat), 36.58);
  EXPECT_DOUBLE_EQ(Value(set, "node_power_supply_power_watt", bat), 5.002);
  EXPECT_DOUBLE_EQ(Value(set, "node_power_supply_temp_celsius", bat), -5.5);
  EXPECT_EQ(set.Find("node_power_supply_voltage_avg"), nullptr);  // parsed, not exported
  EXPECT_EQ(set.Find("node_power_supply_capacity")->help,
            "capacity value of /sys/class/power_supply/<power_supply>.");
  // Empty strings are left out; labels in name order.
  EXPECT_EQ(Value(set, "node_power_supply_info",
                  {{"model_name", "LNV-45N1\xEF\xBF\xBD"}, {"power_supply", "BAT0"}, {"type", "Battery"}}),
            1);
}

void WriteSupplies(const TempDir& dir) {
  dir.Write("sys/class/power_supply/AC/online", "0\n");
  dir.Write("sys/class/power_supply/AC/type", "Mains\n");
  dir.Write("sys/class/power_supply/AC/uevent", "POWER_SUPPLY_NAME=AC\nPOWER_SUPPLY_ONLINE=0\n");
  std::filesystem::create_directories(dir.path() + "/sys/class/power_supply/AC/power");
  dir.Write("sys/class/power_supply/BAT0/capacity", "81\n");
  dir.Write("sys/class/power_supply/BAT0/voltage_now", "11660000\n");
  dir.Write("sys/class/power_supply/BAT0/type", "Battery\n");
}

TEST(PowerSupplyClassCollector, Supplies) {
  TempDir dir;
  WriteSupplies(dir);
  auto c = NewPowerSupplyClassCollector(testing::FixturePaths(dir.path()), {});
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Value(set, "node_power_supply_online", {{"power_supply", "AC"}}), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_power_supply_voltage_volt", {{"power_supply", "BAT0"}}), 11.66);
  EXPECT_EQ(Value(set, "node_power_supply_info", {{"power_supply", "AC"}, {"type", "Mains"}}), 1);
  EXPECT_EQ(SampleCount(set, "node_power_supply_info"), 2u);
}

TEST(PowerSupplyClassCollector, IgnoredSupplies) {
  TempDir dir;
  WriteSupplies(dir);
  auto c = NewPowerSupplyClassCollector(testing::FixturePaths(dir.path()), {.ignored_supplies = "^BAT"});
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_power_supply_info"), 1u);
  EXPECT_EQ(set.Find("node_power_supply_capacity"), nullptr);
  EXPECT_THROW(NewPowerSupplyClassCollector(testing::FixturePaths(dir.path()), {.ignored_supplies = "("}),
               std::invalid_argument);
}

TEST(PowerSupplyClassCollector, BadNumberFailsNoSupplyIsNoData) {
  TempDir dir;
  WriteSupplies(dir);
  dir.Write("sys/class/power_supply/BAT0/capacity", "full\n");
  auto c = NewPowerSupplyClassCollector(testing::FixturePaths(dir.path()), {});
  MetricSet set;
  EXPECT_THROW(c->Collect(set), std::runtime_error);
  TempDir empty;
  auto none = NewPowerSupplyClassCollector(testing::FixturePaths(empty.path()), {});
  EXPECT_EQ(RunCollect(*none, set).status, CollectStatus::kNoData);
}

}  // namespace
}  // namespace node_agent
