#include "collectors/btrfs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

TEST(BtrfsParse, Value) {
  EXPECT_EQ(ParseBtrfsValue("16777216\n"), 16777216u);
  EXPECT_EQ(ParseBtrfsValue(""), 0u);
  EXPECT_EQ(ParseBtrfsValue("-1"), 0u);  // procfs ignores the parse error
}

TEST(BtrfsParse, CommitStats) {
  std::vector<std::string> skipped;
  auto s = ParseBtrfsCommitStats("commits 258051\nlast_commit_ms 1000\nmax_commit_ms 51462\n"
                                 "total_commit_ms 47836090\nfuture_key 5\nbroken\nmax_commit_ms x\n",
                                 skipped);
  EXPECT_EQ(s.commits, 258051u);
  EXPECT_EQ(s.last_commit_ms, 1000u);
  EXPECT_EQ(s.max_commit_ms, 51462u);
  EXPECT_EQ(s.total_commit_ms, 47836090u);
  EXPECT_EQ(skipped.size(), 2u);
}

TEST(BtrfsParse, AllocationRatio) {
  EXPECT_EQ(BtrfsAllocationRatio("single", 1), 1);
  EXPECT_EQ(BtrfsAllocationRatio("raid10", 4), 2);
  EXPECT_EQ(BtrfsAllocationRatio("raid1c4", 4), 4);
  EXPECT_DOUBLE_EQ(BtrfsAllocationRatio("raid5", 4), 4.0 / 3);
  EXPECT_EQ(BtrfsAllocationRatio("raid6", 4), 2);
  EXPECT_TRUE(std::isinf(BtrfsAllocationRatio("raid5", 1)));  // Go's float division
  EXPECT_EQ(BtrfsAllocationRatio("mystery", 2), 0);
}

TEST(BtrfsParse, MountsAndUuid) {
  std::vector<MountInfo> mounts(3);
  mounts[0] = {"0:30", "/host/mnt/my\\040disk", "rw", "btrfs", "/dev/sda", "rw"};
  mounts[1] = {"0:31", "/host", "rw", "ext4", "/dev/sdb", "rw"};
  mounts[2] = {"0:32", "/host", "rw", "btrfs", "/dev/sdc", "rw"};
  auto b = BtrfsMounts(mounts, "/host");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].path, "/host/mnt/my disk");
  EXPECT_EQ(b[0].device, "/dev/sda");
  EXPECT_EQ(b[1].path, "/host");
  uint8_t uuid[16] = {0x7f, 0x07, 0xc5, 0x9f, 0x61, 0x36, 0x44, 0x9c, 0xab, 0x87, 0xe1, 0xcf, 0x23, 0x28, 0x73, 0x1b};
  EXPECT_EQ(FormatBtrfsUuid(uuid), "7f07c59f-6136-449c-ab87-e1cf2328731b");
  uint8_t zero[16] = {};
  EXPECT_EQ(FormatBtrfsUuid(zero), "<zero>");
}

const std::string kUuid = "7f07c59f-6136-449c-ab87-e1cf2328731b";

void WriteFs(const TempDir& dir) {
  const std::string fs = "sys/fs/btrfs/" + kUuid + "/";
  dir.Write(fs + "label", "fixture\n");
  dir.Write(fs + "metadata_uuid", kUuid + "\n");
  dir.Write(fs + "devices/loop22/size", "20971520\n");
  dir.Write(fs + "devices/loop23/size", "20971520\n");
  dir.Write(fs + "allocation/global_rsv_size", "16777216\n");
  dir.Write(fs + "allocation/data/bytes_reserved", "5\n");
  dir.Write(fs + "allocation/data/raid5/total_bytes", "644087808\n");
  dir.Write(fs + "allocation/data/raid5/used_bytes", "0\n");
  dir.Write(fs + "allocation/metadata/raid1/used_bytes", "114688\n");
  std::filesystem::create_directories(dir.path() + "/" + fs + "allocation/system");
  dir.Write(fs + "commit_stats", "commits 4\ntotal_commit_ms 1500\n");
  dir.Write("sys/fs/btrfs/features/raid56", "0\n");  // not a file system
  dir.Write("proc/1/mountinfo", "36 35 0:30 / /mnt rw - btrfs /dev/loop22 rw\n");
}

TEST(Btrfs, SysfsOnly) {
  TempDir dir;
  WriteFs(dir);
  BtrfsOptions o;
  o.scan_for_test = [](const std::vector<BtrfsMount>&) { return BtrfsIoctlStats{}; };
  MetricSet set;
  NewBtrfsCollector(FixturePaths(dir.path()), o)->Collect(set);
  Labels u{{"uuid", kUuid}};
  EXPECT_DOUBLE_EQ(Value(set, "node_btrfs_info", {{"uuid", kUuid}, {"label", "fixture"}}), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_btrfs_global_rsv_size_bytes", u), 16777216);
  EXPECT_DOUBLE_EQ(Value(set, "node_btrfs_commits_total", u), 4);
  EXPECT_DOUBLE_EQ(Value(set, "node_btrfs_commit_seconds_total", u), 1.5);
  EXPECT_DOUBLE_EQ(Value(set, "node_btrfs_reserved_bytes", {{"uuid", kUuid}, {"block_group_type", "data"}}), 5);
  EXPECT_DOUBLE_EQ(Value(set, "node_btrfs_reserved_bytes", {{"uuid", kUuid}, {"block_group_type", "system"}}), 0);
  Labels raid5{{"uuid", kUuid}, {"block_group_type", "data"}, {"mode", "raid5"}};
  EXPECT_DOUBLE_EQ(Value(set, "node_btrfs_size_bytes", raid5), 644087808);
  EXPECT_DOUBLE_EQ(Value(set, "node_btrfs_allocation_ratio", raid5), 2);  // two devices
  EXPECT_DOUBLE_EQ(Value(set, "node_btrfs_device_size_bytes", {{"uuid", kUuid}, {"device", "loop22"}}), 10737418240);
  EXPECT_EQ(SampleCount(set, "node_btrfs_device_size_bytes"), 2u);
  EXPECT_EQ(set.Find("node_btrfs_device_unused_bytes"), nullptr);
}

TEST(Btrfs, IoctlDevicesReplaceSysfsSizes) {
  TempDir dir;
  WriteFs(dir);
  BtrfsOptions o;
  std::vector<BtrfsMount> seen;
  o.scan_for_test = [&](const std::vector<BtrfsMount>& mounts) {
    seen = mounts;
    BtrfsIoctlDevice d{"/dev/loop22", "0a1b", 1000, 400, {1, 2, 3, 4, 5}};
    return BtrfsIoctlStats{{"7f07c59f6136449cab87e1cf2328731b", {d}}};
  };
  MetricSet set;
  NewBtrfsCollector(FixturePaths(dir.path()), o)->Collect(set);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].path, dir.path() + "/mnt");
  Labels d{{"uuid", kUuid}, {"device", "loop22"}, {"btrfs_dev_uuid", "0a1b"}};
  EXPECT_DOUBLE_EQ(Value(set, "node_btrfs_device_size_bytes", d), 1000);
  EXPECT_DOUBLE_EQ(Value(set, "node_btrfs_device_unused_bytes", d), 600);
  EXPECT_EQ(SampleCount(set, "node_btrfs_device_size_bytes"), 1u);
  EXPECT_DOUBLE_EQ(Value(set, "node_btrfs_device_errors_total",
                         {{"uuid", kUuid}, {"type", "corruption"}, {"device", "loop22"}, {"btrfs_dev_uuid", "0a1b"}}),
                   4);
}

// A scan that blocks (a hung device) costs the scrape at most the timeout:
// it reports the sysfs sizes, and later scrapes do not start another scan
// until the blocked one returns.
TEST(Btrfs, BlockedIoctlScanFallsBackToSysfs) {
  TempDir dir;
  WriteFs(dir);
  struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
    int calls = 0;
  };
  auto gate = std::make_shared<Gate>();
  BtrfsOptions o;
  o.ioctl_timeout = std::chrono::milliseconds(50);
  o.scan_for_test = [gate](const std::vector<BtrfsMount>&) {
    std::unique_lock<std::mutex> lock(gate->mu);
    ++gate->calls;
    gate->cv.notify_all();
    gate->cv.wait(lock, [&] { return gate->open; });
    return BtrfsIoctlStats{};
  };
  auto c = NewBtrfsCollector(FixturePaths(dir.path()), o);
  for (int i = 0; i < 3; ++i) {
    MetricSet set;
    c->Collect(set);
    EXPECT_EQ(SampleCount(set, "node_btrfs_device_size_bytes"), 2u);
  }
  {
    std::unique_lock<std::mutex> lock(gate->mu);
    gate->cv.wait(lock, [&] { return gate->calls > 0; });  // the one scan has started
    EXPECT_EQ(gate->calls, 1);
    gate->open = true;
  }
  gate->cv.notify_all();
  c.reset();  // the worker exits once its scan returns
}

TEST(Btrfs, NoBtrfsIsNoSeries) {
  TempDir dir;
  MetricSet set;
  NewBtrfsCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_TRUE(set.empty());
}

TEST(Btrfs, MissingAllocationDirFails) {
  TempDir dir;
  dir.Write("sys/fs/btrfs/a-b/devices/sda/size", "1\n");
  MetricSet set;
  EXPECT_THROW(NewBtrfsCollector(FixturePaths(dir.path()))->Collect(set), std::runtime_error);
}

TEST(Btrfs, ScanOfNonBtrfsMountFindsNothing) {
  // The real ioctl scan skips a mount point that is not a btrfs subvolume root.
  TempDir dir;
  EXPECT_TRUE(ScanBtrfsIoctl({{dir.path(), "/dev/none"}, {dir.path() + "/missing", "/dev/x"}}).empty());
}

}  // namespace
}  // namespace node_agent
