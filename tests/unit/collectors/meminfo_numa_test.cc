#include "collectors/meminfo_numa.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

TEST(MeminfoNumaParse, UnitsAndParenthesisedNames) {
  std::vector<std::string> skipped;
  auto v = ParseNumaMeminfo(
      "Node 1 MemTotal:       134217728 kB\n"
      "Node 1 Active(anon):     590464 kB\n"
      "Node 1 HugePages_Total:     3\n",
      skipped);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].metric, "MemTotal");
  EXPECT_EQ(v[0].node, "1");
  EXPECT_DOUBLE_EQ(v[0].value, 134217728.0 * 1024);
  EXPECT_EQ(v[1].metric, "Active_anon");
  EXPECT_DOUBLE_EQ(v[1].value, 590464.0 * 1024);
  EXPECT_EQ(v[2].metric, "HugePages_Total");
  EXPECT_DOUBLE_EQ(v[2].value, 3);
  EXPECT_TRUE(skipped.empty());
}

TEST(MeminfoNumaParse, MalformedLinesSkipped) {
  std::vector<std::string> skipped;
  auto v = ParseNumaMeminfo(
      "Node 0 MemFree: x kB\nNode 0 Short\nNode 0 Dirty: 1 MB\n\nNode 0 Slab: 2 kB\n", skipped);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric, "Slab");
  EXPECT_EQ(skipped.size(), 3u);
}

TEST(MeminfoNumaParse, Numastat) {
  std::vector<std::string> skipped;
  auto v = ParseNumastat("numa_hit 326720946761\nlocal_node 5\nbad\nother_node x\n", "2", skipped);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].metric, "numa_hit_total");
  EXPECT_EQ(v[0].node, "2");
  EXPECT_DOUBLE_EQ(v[0].value, 326720946761.0);
  EXPECT_EQ(v[1].metric, "local_node_total");
  EXPECT_EQ(skipped.size(), 2u);
}

TEST(MeminfoNuma, CollectsEveryNodeDirectory) {
  testing::TempDir dir;
  dir.Write("sys/devices/system/node/node0/meminfo", "Node 0 MemTotal: 4 kB\nNode 0 Active(file): 1 kB\n");
  dir.Write("sys/devices/system/node/node0/numastat", "numa_hit 7\n");
  dir.Write("sys/devices/system/node/node10/meminfo", "Node 10 MemTotal: 8 kB\n");
  dir.Write("sys/devices/system/node/node10/numastat", "numa_hit 9\n");
  dir.Write("sys/devices/system/node/possible", "0,10\n");
  MetricSet set;
  NewMeminfoNumaCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_memory_numa_MemTotal", {{"node", "0"}}), 4096);
  EXPECT_DOUBLE_EQ(Value(set, "node_memory_numa_MemTotal", {{"node", "10"}}), 8192);
  EXPECT_DOUBLE_EQ(Value(set, "node_memory_numa_Active_file", {{"node", "0"}}), 1024);
  EXPECT_DOUBLE_EQ(Value(set, "node_memory_numa_numa_hit_total", {{"node", "10"}}), 9);
  ASSERT_NE(set.Find("node_memory_numa_numa_hit_total"), nullptr);
  EXPECT_EQ(set.Find("node_memory_numa_numa_hit_total")->type, MetricType::Counter);
  EXPECT_EQ(set.Find("node_memory_numa_MemTotal")->type, MetricType::Gauge);
  EXPECT_EQ(set.Find("node_memory_numa_MemTotal")->help, "Memory information field MemTotal.");
}

TEST(MeminfoNuma, MissingNumastatFails) {
  testing::TempDir dir;
  dir.Write("sys/devices/system/node/node0/meminfo", "Node 0 MemTotal: 4 kB\n");
  MetricSet set;
  EXPECT_THROW(NewMeminfoNumaCollector(FixturePaths(dir.path()))->Collect(set), std::runtime_error);
}

TEST(MeminfoNuma, NoNodesNoSeries) {
  testing::TempDir dir;
  MetricSet set;
  NewMeminfoNumaCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_TRUE(set.empty());
}

}  // namespace
}  // namespace node_agent
