#include "collectors/dmmultipath.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

TEST(DmmultipathParse, UuidAndPathState) {
  EXPECT_TRUE(IsMultipathUuid("mpath-3600508b1001c1234567890abcdef1234"));
  EXPECT_FALSE(IsMultipathUuid("LVM-abcdef"));
  EXPECT_FALSE(IsMultipathUuid(""));
  EXPECT_TRUE(IsMultipathPathActive("running"));
  EXPECT_TRUE(IsMultipathPathActive("live"));
  EXPECT_FALSE(IsMultipathPathActive("offline"));
  EXPECT_FALSE(IsMultipathPathActive("Running"));
}

TEST(DmmultipathMetrics, CountsPaths) {
  DmMultipathDevice d{"mpathA", "dm-5", "mpath-1", true, 1024, {{"sdi", "running"}, {"sdl", "offline"}}};
  MetricSet set;
  AddDmMultipathMetrics(d, set);
  Labels l{{"device", "mpathA"}, {"sysfs_name", "dm-5"}};
  EXPECT_DOUBLE_EQ(Value(set, "node_dmmultipath_device_active", l), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_dmmultipath_device_paths", l), 2);
  EXPECT_DOUBLE_EQ(Value(set, "node_dmmultipath_device_paths_active", l), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_dmmultipath_device_paths_failed", l), 1);
  EXPECT_DOUBLE_EQ(
      Value(set, "node_dmmultipath_path_state", {{"device", "mpathA"}, {"path", "sdl"}, {"state", "offline"}}), 1);
  EXPECT_DOUBLE_EQ(
      Value(set, "node_dmmultipath_device_info", {{"device", "mpathA"}, {"sysfs_name", "dm-5"}, {"uuid", "mpath-1"}}),
      1);
}

void WriteDm(const TempDir& dir, const std::string& dm, const std::string& uuid, const std::string& name) {
  dir.Write("sys/block/" + dm + "/dm/uuid", uuid + "\n");
  dir.Write("sys/block/" + dm + "/dm/name", name + "\n");
  dir.Write("sys/block/" + dm + "/dm/suspended", "0\n");
  dir.Write("sys/block/" + dm + "/size", "104857600\n");
}

TEST(Dmmultipath, ReadsBlockTree) {
  TempDir dir;
  WriteDm(dir, "dm-5", "mpath-3600a", "mpathA");
  WriteDm(dir, "dm-7", "LVM-abc", "vg0-root");
  std::filesystem::create_directories(dir.path() + "/sys/block/dm-5/slaves/sdi");
  std::filesystem::create_directories(dir.path() + "/sys/block/dm-5/slaves/sdl");
  dir.Write("sys/block/sdi/device/state", "running\n");
  dir.Write("sys/block/sdl/device/state", "offline\n");
  dir.Write("sys/block/sda/size", "1\n");
  auto c = NewDmmultipathCollector(FixturePaths(dir.path()));
  for (int scrape = 0; scrape < 2; ++scrape) {  // the second uses the non-multipath cache
    MetricSet set;
    c->Collect(set);
    Labels l{{"device", "mpathA"}, {"sysfs_name", "dm-5"}};
    EXPECT_EQ(SampleCount(set, "node_dmmultipath_device_info"), 1u);
    EXPECT_DOUBLE_EQ(Value(set, "node_dmmultipath_device_size_bytes", l), 53687091200);
    EXPECT_DOUBLE_EQ(Value(set, "node_dmmultipath_device_paths_active", l), 1);
    EXPECT_DOUBLE_EQ(Value(set, "node_dmmultipath_device_active", l), 1);
  }
}

TEST(Dmmultipath, MissingPathStateIsNoData) {
  // procfs wraps the error and node_exporter tests it with errors.Is(ErrNotExist).
  TempDir dir;
  WriteDm(dir, "dm-0", "mpath-x", "mpathx");
  std::filesystem::create_directories(dir.path() + "/sys/block/dm-0/slaves/sdz");
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewDmmultipathCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
}

TEST(Dmmultipath, MalformedSizeSkipsTheDevice) {
  TempDir dir;
  WriteDm(dir, "dm-0", "mpath-x", "mpathx");
  WriteDm(dir, "dm-1", "mpath-y", "mpathy");
  dir.Write("sys/block/dm-0/size", "big\n");
  MetricSet set;
  NewDmmultipathCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_dmmultipath_device_info"), 1u);
  EXPECT_DOUBLE_EQ(Value(set, "node_dmmultipath_device_paths", {{"device", "mpathy"}, {"sysfs_name", "dm-1"}}), 0);
}

TEST(Dmmultipath, NoBlockDirIsNoData) {
  TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewDmmultipathCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
}

}  // namespace
}  // namespace node_agent
