#include "collectors/rapl.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::TempDir;
using testing::Value;

TEST(RaplParse, IndexAndName) {
  std::map<std::string, int64_t> counts;
  EXPECT_EQ(RaplIndexAndName(counts, "package-0"), std::make_pair(int64_t{0}, std::string("package")));
  EXPECT_EQ(RaplIndexAndName(counts, "core"), std::make_pair(int64_t{0}, std::string("core")));
  EXPECT_EQ(RaplIndexAndName(counts, "dram"), std::make_pair(int64_t{0}, std::string("dram")));
  EXPECT_EQ(RaplIndexAndName(counts, "dram"), std::make_pair(int64_t{1}, std::string("dram")));
  EXPECT_EQ(RaplIndexAndName(counts, "package-1"), std::make_pair(int64_t{1}, std::string("package")));
  EXPECT_EQ(RaplIndexAndName(counts, "package"), std::make_pair(int64_t{2}, std::string("package")));
  EXPECT_EQ(RaplIndexAndName(counts, "a-b-1"), std::make_pair(int64_t{0}, std::string("a-b-1")));
  EXPECT_EQ(RaplIndexAndName(counts, "psys-x"), std::make_pair(int64_t{0}, std::string("psys-x")));
  EXPECT_EQ(RaplIndexAndName(counts, "x-9223372036854775807").first, INT64_MAX);
}

// intel-rapl zones as the powercap driver lays them out.
void WriteZones(const TempDir& dir) {
  dir.Write("sys/class/powercap/intel-rapl/enabled", "1\n");
  dir.Write("sys/class/powercap/intel-rapl:0/name", "package-0\n");
  dir.Write("sys/class/powercap/intel-rapl:0/energy_uj", "240422366267\n");
  dir.Write("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n");
  dir.Write("sys/class/powercap/intel-rapl:0:0/name", "core\n");
  dir.Write("sys/class/powercap/intel-rapl:0:0/energy_uj", "118821284256\n");
  dir.Write("sys/class/powercap/intel-rapl:0:0/max_energy_range_uj", "262143328850\n");
}

TEST(RaplCollector, Zones) {
  TempDir dir;
  WriteZones(dir);
  auto c = NewRaplCollector(testing::FixturePaths(dir.path()), {});
  MetricSet set;
  c->Collect(set);
  std::string base = dir.path() + "/sys/class/powercap/";
  EXPECT_DOUBLE_EQ(Value(set, "node_rapl_package_joules_total", {{"index", "0"}, {"path", base + "intel-rapl:0"}}),
                   240422.366267);
  EXPECT_DOUBLE_EQ(Value(set, "node_rapl_core_joules_total", {{"index", "0"}, {"path", base + "intel-rapl:0:0"}}),
                   118821.284256);
  EXPECT_EQ(set.Find("node_rapl_core_joules_total")->help, "Current RAPL core value in joules");
}

TEST(RaplCollector, ZoneLabel) {
  TempDir dir;
  WriteZones(dir);
  auto c = NewRaplCollector(testing::FixturePaths(dir.path()), {.zone_label = true});
  MetricSet set;
  c->Collect(set);
  std::string base = dir.path() + "/sys/class/powercap/";
  EXPECT_DOUBLE_EQ(Value(set, "node_rapl_joules_total",
                         {{"index", "0"}, {"path", base + "intel-rapl:0"}, {"rapl_zone", "package"}}),
                   240422.366267);
  EXPECT_EQ(set.Find("node_rapl_package_joules_total"), nullptr);
}

TEST(RaplCollector, PathIsCleaned) {
  TempDir dir;
  WriteZones(dir);
  Paths p = testing::FixturePaths(dir.path());
  p.sysfs = dir.path() + "//sys/./";
  auto c = NewRaplCollector(p, {});
  MetricSet set;
  c->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_rapl_core_joules_total",
                         {{"index", "0"}, {"path", dir.path() + "/sys/class/powercap/intel-rapl:0:0"}}),
                   118821.284256);
}

TEST(RaplCollector, NoPowercapIsNoData) {
  TempDir dir;
  auto c = NewRaplCollector(testing::FixturePaths(dir.path()), {});
  MetricSet set;
  EXPECT_EQ(RunCollect(*c, set).status, CollectStatus::kNoData);
}

TEST(RaplCollector, BadCounterFails) {
  TempDir dir;
  WriteZones(dir);
  dir.Write("sys/class/powercap/intel-rapl:0/energy_uj", "x\n");
  auto c = NewRaplCollector(testing::FixturePaths(dir.path()), {});
  MetricSet set;
  EXPECT_THROW(c->Collect(set), std::runtime_error);
  // A zone without max_energy_range_uj reads as no RAPL at all (ENOENT).
  WriteZones(dir);
  std::filesystem::remove(dir.path() + "/sys/class/powercap/intel-rapl:0:0/max_energy_range_uj");
  EXPECT_EQ(RunCollect(*c, set).status, CollectStatus::kNoData);
}

}  // namespace
}  // namespace node_agent
