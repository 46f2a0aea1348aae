#include "collectors/xfs.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

// A /sys/fs/xfs/<dev>/stats/stats as Linux 6.x prints it (xfs_stats_format).
constexpr const char* kStats =
    "extent_alloc 92447 97589 92448 93751\n"
    "abt 0 0 0 0\n"
    "blk_map 1767055 188820 184891 92447 92448 2140766 0\n"
    "bmbt 1 2 3 4\n"
    "dir 185039 92447 92444 136422\n"
    "trans 706 944304 0\n"
    "ig 185045 58807 0 126238 0 33637 22\n"
    "log 2883 113448 9 17360 739\n"
    "push_ail 945014 0 134260 15483 0 3940 464 159985 0 40\n"
    "xstrat 92447 0\n"
    "rw 107739 94045\n"
    "attr 4 0 0 0\n"
    "icluster 8677 7849 135802\n"
    "vnodes 92601 0 0 0 92444 92444 92444 0\n"
    "buf 2666287 7122 2659202 3599 2 7085 0 10297 7085\n"
    "abtb2 184 1 2 3 4 5 6 7 8 9 10 11 12 13 14\n"
    "qm 0 0 0 0 0 0 0 0 0\n"
    "xpc 399724544 92823103 86219234\n"
    "defer_relog 0\n"
    "debug 0\n";

TEST(XfsParse, ExportedGroups) {
  std::vector<std::string> skipped;
  XfsStats s = ParseXfsStats(kStats, skipped);
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(s.values[kXfsExtentAlloc][0], 92447u);
  EXPECT_EQ(s.values[kXfsExtentAlloc][3], 93751u);
  EXPECT_EQ(s.values[kXfsBlkMap][5], 2140766u);
  EXPECT_EQ(s.values[kXfsBmbt][3], 4u);
  EXPECT_EQ(s.values[kXfsIg][6], 22u);
  EXPECT_EQ(s.values[kXfsRw][0], 107739u);
  EXPECT_EQ(s.values[kXfsRw][1], 94045u);
  EXPECT_EQ(s.values[kXfsVnodes][4], 92444u);
}

TEST(XfsParse, OldKernelVnodesHaveSevenFields) {
  std::vector<std::string> skipped;
  XfsStats s = ParseXfsStats("vnodes 1 2 3 4 5 6 7\n", skipped);
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(s.values[kXfsVnodes][6], 7u);
}

TEST(XfsParse, MalformedExportedLinesAreSkipped) {
  std::vector<std::string> skipped;
  // Wrong count, not a number, over uint32 (procfs reads them as uint32); an
  // unexported line with a bad value is ignored, as is a lone label.
  XfsStats s = ParseXfsStats(
      "extent_alloc 1 2 3\nabt 1 2 x 4\nrw 4294967296 1\ntrans a b c\ndebug\ndir 1 2 3 4\n", skipped);
  ASSERT_EQ(skipped.size(), 3u);
  EXPECT_EQ(skipped[0], "extent_alloc 1 2 3");
  EXPECT_EQ(s.values[kXfsExtentAlloc][0], 0u);
  EXPECT_EQ(s.values[kXfsRw][0], 0u);
  EXPECT_EQ(s.values[kXfsDir][3], 4u);
  skipped.clear();
  ParseXfsStats("rw 4294967295 0\n", skipped);
  EXPECT_TRUE(skipped.empty());
}

TEST(Xfs, PerDeviceCounters) {
  TempDir dir;
  dir.Write("sys/fs/xfs/nvme0n1p1/stats/stats", kStats);
  dir.Write("sys/fs/xfs/md0/stats/stats", "rw 5 6\n");
  // The global statistics directory is not a filesystem.
  dir.Write("sys/fs/xfs/stats/stats", kStats);
  MetricSet set;
  NewXfsCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_xfs_read_calls_total"), 2u);
  EXPECT_DOUBLE_EQ(Value(set, "node_xfs_read_calls_total", {{"device", "nvme0n1p1"}}), 94045);
  EXPECT_DOUBLE_EQ(Value(set, "node_xfs_write_calls_total", {{"device", "nvme0n1p1"}}), 107739);
  EXPECT_DOUBLE_EQ(Value(set, "node_xfs_read_calls_total", {{"device", "md0"}}), 6);
  EXPECT_DOUBLE_EQ(Value(set, "node_xfs_block_mapping_extent_list_lookups_total", {{"device", "nvme0n1p1"}}), 2140766);
  EXPECT_DOUBLE_EQ(Value(set, "node_xfs_inode_operation_attribute_changes_total", {{"device", "nvme0n1p1"}}), 22);
  EXPECT_DOUBLE_EQ(Value(set, "node_xfs_vnode_remove_total", {{"device", "md0"}}), 0);
  auto f = testing::Find(set, "node_xfs_allocation_btree_lookups_total");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->type, MetricType::Counter);
  EXPECT_EQ(f->help, "Number of allocation B-tree lookups for a filesystem.");
  EXPECT_EQ(set.families().size(), 39u);
}

TEST(Xfs, NoXfsIsNoSeries) {
  TempDir dir;
  MetricSet set;
  NewXfsCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_TRUE(set.empty());
}

TEST(Xfs, NodeExporterFixture) {
  std::string ne = testing::NodeExporterConformanceDir();
  if (ne.empty()) GTEST_SKIP() << "no ../shared/conformance beside the checkout";
  MetricSet set;
  NewXfsCollector(FixturePaths(ne + "/fixtures"))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_xfs_extent_allocation_extents_allocated_total", {{"device", "sda1"}}), 1);
}

}  // namespace
}  // namespace node_agent
