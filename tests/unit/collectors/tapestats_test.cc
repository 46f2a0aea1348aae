#include "collectors/tapestats.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

TEST(TapestatsParse, CountersReadAsGoBaseZero) {
  TapeCounters c;
  EXPECT_TRUE(SetTapeCounter(c, "read_cnt", "3741\n"));
  EXPECT_TRUE(SetTapeCounter(c, "io_ns", "0x1f\n"));
  EXPECT_TRUE(SetTapeCounter(c, "other_cnt", "010"));  // a leading 0 is octal in Go
  EXPECT_TRUE(SetTapeCounter(c, "not_exported", "garbage"));
  EXPECT_EQ(c.values[4], 3741u);
  EXPECT_EQ(c.values[1], 31u);
  EXPECT_EQ(c.values[2], 8u);
  EXPECT_EQ(c.values[0], 0u);  // never set: procfs's zero
  EXPECT_FALSE(SetTapeCounter(c, "write_cnt", "-1"));
  EXPECT_FALSE(c.values[8].has_value());
  EXPECT_FALSE(SetTapeCounter(c, "write_ns", "18446744073709551616"));  // out of range
}

TEST(TapestatsParse, DeviceNames) {
  EXPECT_TRUE(IsTapeDeviceName("st0"));
  EXPECT_TRUE(IsTapeDeviceName("st12"));
  EXPECT_FALSE(IsTapeDeviceName("nst0"));
  EXPECT_FALSE(IsTapeDeviceName("st0a"));
  EXPECT_FALSE(IsTapeDeviceName("st"));
}

void WriteTape(const TempDir& dir, const std::string& name, const std::string& write_ns) {
  std::string stats = "sys/class/scsi_tape/" + name + "/stats/";
  dir.Write(stats + "in_flight", "1\n");
  dir.Write(stats + "io_ns", "9247011087720\n");
  dir.Write(stats + "read_byte_cnt", "979383912\n");
  dir.Write(stats + "write_ns", write_ns);
}

TEST(Tapestats, ReadsDrivesAndSkipsOthers) {
  TempDir dir;
  WriteTape(dir, "st0", "5233597394395\n");
  WriteTape(dir, "nst0", "1\n");
  auto c = NewTapestatsCollector(FixturePaths(dir.path()), {});
  MetricSet set;
  c->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_tape_io_now", {{"device", "st0"}}), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_tape_io_time_seconds_total", {{"device", "st0"}}), 9247.01108772);
  EXPECT_DOUBLE_EQ(Value(set, "node_tape_write_time_seconds_total", {{"device", "st0"}}), 5233.597394395);
  EXPECT_DOUBLE_EQ(Value(set, "node_tape_read_bytes_total", {{"device", "st0"}}), 979383912);
  EXPECT_DOUBLE_EQ(Value(set, "node_tape_residual_total", {{"device", "st0"}}), 0);  // missing file: 0
  EXPECT_EQ(SampleCount(set, "node_tape_io_now"), 1u);
  EXPECT_EQ(set.Find("node_tape_io_now")->type, MetricType::Gauge);
  EXPECT_EQ(set.Find("node_tape_reads_completed_total")->type, MetricType::Counter);
}

TEST(Tapestats, MalformedValueLeavesOnlyThatSeriesOut) {
  TempDir dir;
  WriteTape(dir, "st0", "lots\n");
  MetricSet set;
  NewTapestatsCollector(FixturePaths(dir.path()), {})->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_tape_write_time_seconds_total"), 0u);
  EXPECT_DOUBLE_EQ(Value(set, "node_tape_io_now", {{"device", "st0"}}), 1);
}

TEST(Tapestats, IgnoredDevicesFlag) {
  TempDir dir;
  WriteTape(dir, "st0", "1\n");
  WriteTape(dir, "st1", "1\n");
  TapestatsOptions o;
  o.ignored_devices = "^st1$";
  MetricSet set;
  NewTapestatsCollector(FixturePaths(dir.path()), o)->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_tape_io_now"), 1u);
  TapestatsOptions bad{.ignored_devices = "("};
  EXPECT_THROW(NewTapestatsCollector(FixturePaths(dir.path()), bad), std::invalid_argument);
}

TEST(Tapestats, NoTapeClassIsNoData) {
  TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewTapestatsCollector(FixturePaths(dir.path()), {}), set).status, CollectStatus::kNoData);
}

TEST(Tapestats, FlattenedSymlinkFollowed) {
  // Some fixture unpackers store a class symlink as a file naming its target.
  TempDir dir;
  dir.Write("sys/devices/tape/st0/stats/in_flight", "2\n");
  dir.Write("sys/class/scsi_tape/st0", "../../devices/tape/st0");
  MetricSet set;
  NewTapestatsCollector(FixturePaths(dir.path()), {})->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_tape_io_now", {{"device", "st0"}}), 2);
}

TEST(Tapestats, ConformanceFixture) {
  std::string root = testing::NodeExporterConformanceDir();
  if (root.empty()) GTEST_SKIP() << "no ../shared";
  MetricSet set;
  NewTapestatsCollector(FixturePaths(root + "/fixtures"), {})->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_tape_writes_completed_total", {{"device", "st0"}}), 53772916);
  EXPECT_DOUBLE_EQ(Value(set, "node_tape_written_bytes_total", {{"device", "st0"}}), 1496246784000);
}

}  // namespace
}  // namespace node_agent
