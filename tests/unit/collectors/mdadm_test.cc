#include "collectors/mdadm.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

// /proc/mdstat of an EC2 node striping two instance-store NVMe drives
// (md0), with a mirror rebuilding (md1), a RAID5 with a bitmap and a failed
// disk (md2), a delayed resync (md3) and an inactive array (md4).
constexpr const char* kMdstat =
    "Personalities : [raid0] [raid1] [raid6] [raid5] [raid4] \n"
    "md0 : active raid0 nvme2n1[1] nvme1n1[0]\n"
    "      3750486016 blocks super 1.2 512k chunks\n"
    "      \n"
    "md1 : active raid1 sdc[2] sdb[0]\n"
    "      1046528 blocks super 1.2 [2/1] [U_]\n"
    "      [==>..................]  recovery = 12.6% (132096/1046528) finish=0.4min speed=33024K/sec\n"
    "      \n"
    "md2 : active raid5 sdf[3](F) sde[1] sdd[0] sdg[4](S)\n"
    "      2093056 blocks super 1.2 level 5, 512k chunk, algorithm 2 [3/2] [UU_]\n"
    "      bitmap: 1/1 pages [4KB], 65536KB chunk\n"
    "\n"
    "md3 : active (auto-read-only) raid1 sdh[1] sdi[0]\n"
    "      1046528 blocks super 1.2 [2/2] [UU]\n"
    "      \tresync=DELAYED\n"
    "      \n"
    "md4 : inactive sdj[0](S)\n"
    "      1046528 blocks super 1.2\n"
    "       \n"
    "unused devices: <none>\n";

TEST(MdadmParse, Arrays) {
  std::vector<std::string> skipped;
  auto arrays = ParseMdStat(kMdstat, skipped);
  EXPECT_TRUE(skipped.empty());
  ASSERT_EQ(arrays.size(), 5u);
  const MdStat& md0 = arrays[0];
  EXPECT_EQ(md0.name, "md0");
  EXPECT_EQ(md0.activity_state, "active");
  EXPECT_EQ(md0.disks_total, 2);  // raid0: one per "[" of the device line
  EXPECT_EQ(md0.disks_active, 2);
  EXPECT_EQ(md0.blocks_total, 3750486016);
  EXPECT_EQ(md0.blocks_synced, 3750486016);
  const MdStat& md1 = arrays[1];
  EXPECT_EQ(md1.activity_state, "recovering");
  EXPECT_EQ(md1.disks_total, 2);
  EXPECT_EQ(md1.disks_active, 1);
  EXPECT_EQ(md1.disks_down, 1);
  EXPECT_EQ(md1.blocks_synced, 132096);
  const MdStat& md2 = arrays[2];
  EXPECT_EQ(md2.activity_state, "active");
  EXPECT_EQ(md2.disks_failed, 1);
  EXPECT_EQ(md2.disks_spare, 1);
  EXPECT_EQ(md2.disks_active, 2);
  EXPECT_EQ(arrays[3].activity_state, "resyncing");
  EXPECT_EQ(arrays[3].blocks_synced, 0);
  EXPECT_EQ(arrays[4].activity_state, "inactive");
  EXPECT_EQ(arrays[4].disks_total, 0);
  EXPECT_EQ(arrays[4].blocks_total, 1046528);
}

TEST(MdadmParse, MalformedArraysAreSkipped) {
  std::vector<std::string> skipped;
  auto arrays = ParseMdStat(
      "Personalities : [raid1]\n"
      "md5 : active raid1 sda[0]\n      xyz blocks [1/1] [U]\n\n\n"                                  // size
      "md6 : active raid1 sda[0]\n      10 blocks [1/1]\n\n\n"                                       // no disk map
      "md7 : active raid1 sda[0]\n      10 blocks [2/1] [U_]\n      recovery = x% (1/2)\n\n"        // recovery line
      "md8 : active raid1 sda[99999999999]\n      10 blocks [1/1] [U]\n\n\n"                       // component index
      "md9 active\n"                                                                                  // fields
      "md10 : active raid1 sda[0]\n      10 blocks [1/1] [U]\n",                                     // too few lines
      skipped);
  EXPECT_TRUE(arrays.empty());
  ASSERT_EQ(skipped.size(), 6u);
  EXPECT_EQ(skipped[0], "md5 : active raid1 sda[0]");
}

TEST(MdadmParse, SysfsValues) {
  EXPECT_DOUBLE_EQ(*ParseMdSyncCompleted("1569888 / 2093056"), 1569888.0 / 2093056.0);
  EXPECT_FALSE(ParseMdSyncCompleted("delayed"));
  EXPECT_EQ(*ParseMdRaidDisks("4"), 4u);
  EXPECT_EQ(*ParseMdRaidDisks("5 (4)"), 5u);  // during a reshape
  EXPECT_FALSE(ParseMdRaidDisks(""));
  EXPECT_FALSE(ParseMdRaidDisks("x"));
}

void WriteArray(const TempDir& dir, const std::string& md, const std::string& level, const std::string& extra_degraded) {
  std::string base = "sys/block/" + md + "/md/";
  dir.Write(base + "level", level + "\n");
  dir.Write(base + "array_state", "clean\n");
  dir.Write(base + "metadata_version", "1.2\n");
  dir.Write(base + "raid_disks", "2\n");
  dir.Write(base + "uuid", "0fbf5f2c-add2-43c2-bd78-a4be3ab709ef\n");
  dir.Write(base + "chunk_size", "524288\n");
  dir.Write(base + "dev-nvme1n1/state", "in_sync\n");
  if (!extra_degraded.empty()) {
    dir.Write(base + "degraded", extra_degraded + "\n");
    dir.Write(base + "sync_action", "recover\n");
    dir.Write(base + "sync_completed", "132096 / 1046528\n");
  }
}

TEST(Mdadm, Metrics) {
  TempDir dir;
  dir.Write("proc/mdstat", kMdstat);
  WriteArray(dir, "md0", "raid0", "");
  WriteArray(dir, "md1", "raid1", "1");
  dir.Write("sys/block/nvme1n1/size", "1\n");
  MetricSet set;
  NewMdadmCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_md_disks_required", {{"device", "md1"}}), 2);
  EXPECT_DOUBLE_EQ(Value(set, "node_md_disks", {{"device", "md2"}, {"state", "failed"}}), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_md_disks", {{"device", "md2"}, {"state", "spare"}}), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_md_state", {{"device", "md1"}, {"state", "recovering"}}), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_md_state", {{"device", "md1"}, {"state", "active"}}), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_md_state", {{"device", "md3"}, {"state", "resync"}}), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_md_state", {{"device", "md4"}, {"state", "inactive"}}), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_md_blocks", {{"device", "md0"}}), 3750486016.0);
  EXPECT_DOUBLE_EQ(Value(set, "node_md_blocks_synced", {{"device", "md1"}}), 132096);
  EXPECT_EQ(SampleCount(set, "node_md_state"), 25u);
  EXPECT_DOUBLE_EQ(Value(set, "node_md_raid_disks", {{"device", "md0"}}), 2);
  EXPECT_DOUBLE_EQ(Value(set, "node_md_degraded", {{"device", "md0"}}), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_md_degraded", {{"device", "md1"}}), 1);
  EXPECT_EQ(set.Find("node_md_blocks")->type, MetricType::Gauge);
}

TEST(Mdadm, NoMdDriverIsNoData) {
  TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewMdadmCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
}

TEST(Mdadm, MissingSysfsAttributeIsNoDataAfterMdstat) {
  TempDir dir;
  dir.Write("proc/mdstat", kMdstat);
  WriteArray(dir, "md1", "raid1", "");  // raid1 without degraded/sync_action
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewMdadmCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
  EXPECT_EQ(SampleCount(set, "node_md_degraded"), 0u);
  EXPECT_GT(SampleCount(set, "node_md_blocks"), 0u);
}

TEST(Mdadm, MalformedSysfsValueFails) {
  TempDir dir;
  dir.Write("proc/mdstat", kMdstat);
  WriteArray(dir, "md1", "raid1", "x");
  MetricSet set;
  EXPECT_THROW(NewMdadmCollector(FixturePaths(dir.path()))->Collect(set), std::runtime_error);
}

}  // namespace
}  // namespace node_agent
