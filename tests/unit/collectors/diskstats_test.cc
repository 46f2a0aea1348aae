#include "collectors/diskstats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "lib/log.h"
#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using ::testing::HasSubstr;
using testing::FixturePath;
using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

constexpr double kMissing = -12345.678;

// ---------------------------------------------------------------------------
// ParseDiskstats

TEST(ParseDiskstats, ReadsOldAndNewLineFormats) {
  auto r = ParseDiskstats(
      " 202 0 xvda 7311 912 402318 5123 1207 2231 81520 9933 0 6104 15056\n"
      "   8 16 sdb 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n"
      " 259 0 nvme0n1 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n");
  ASSERT_EQ(r.disks.size(), 3u);
  EXPECT_TRUE(r.malformed.empty());
  EXPECT_EQ(r.disks[0].major, 202u);
  EXPECT_EQ(r.disks[0].minor, 0u);
  EXPECT_EQ(r.disks[0].name, "xvda");
  EXPECT_EQ(r.disks[0].count, 14);
  EXPECT_EQ(r.disks[0].stats[0], 7311u);
  EXPECT_EQ(r.disks[0].stats[10], 15056u);
  EXPECT_EQ(r.disks[1].count, 18);
  EXPECT_EQ(r.disks[1].stats[14], 15u);
  EXPECT_EQ(r.disks[2].count, 20);
  EXPECT_EQ(r.disks[2].stats[16], 17u);
}

TEST(ParseDiskstats, IgnoresFieldsPastTwentyAndBlankLines) {
  auto r = ParseDiskstats("\n  \n8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 junk\n");
  ASSERT_EQ(r.disks.size(), 1u);
  EXPECT_EQ(r.disks[0].count, 20);
  EXPECT_EQ(r.disks[0].stats[16], 17u);
  EXPECT_TRUE(r.malformed.empty());
}

TEST(ParseDiskstats, KeepsIntermediateFieldCounts) {
  // procfs keeps any line with at least 14 fields.
  auto r = ParseDiskstats("8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12\n");
  ASSERT_EQ(r.disks.size(), 1u);
  EXPECT_EQ(r.disks[0].count, 15);
}

TEST(ParseDiskstats, ReportsMalformedLines) {
  auto r = ParseDiskstats(
      "8 0 sda 1 2 3 4 5 6 7 8 9 10\n"             // 13 fields
      "8 16 sdb 1 2 x 4 5 6 7 8 9 10 11\n"          // not a number
      "8 32 sdc 1 2 -3 4 5 6 7 8 9 10 11\n"         // negative
      "8 48 sdd 1 2 99999999999999999999 4 5 6 7 8 9 10 11\n"  // overflows uint64
      "x 0 sde 1 2 3 4 5 6 7 8 9 10 11\n"           // bad major
      "8 64 sdf 1 2 3 4 5 6 7 8 9 10 11\n");
  ASSERT_EQ(r.disks.size(), 1u);
  EXPECT_EQ(r.disks[0].name, "sdf");
  ASSERT_EQ(r.malformed.size(), 5u);
  EXPECT_THAT(r.malformed[1], HasSubstr("sdb"));
}

// ---------------------------------------------------------------------------
// ParseUdevData

TEST(ParseUdevData, KeepsOnlyDeviceProperties) {
  auto info = ParseUdevData(
      "S:disk/by-id/foo\n"
      "I:123\n"
      "E:ID_MODEL=Amazon Elastic Block Store\r\n"
      "E:ID_FS_VERSION=LVM2 001\n"
      "E:WEIRD=a=b\n"
      "E:NOEQUALS\n"
      "E:ID_MODEL=override\n"
      "G:systemd\n");
  EXPECT_EQ(info.size(), 3u);
  EXPECT_EQ(info["ID_MODEL"], "override");
  EXPECT_EQ(info["ID_FS_VERSION"], "LVM2 001");
  EXPECT_EQ(info["WEIRD"], "a=b");
  EXPECT_EQ(info.count("disk/by-id/foo"), 0u);
}

// ---------------------------------------------------------------------------
// Collector on the EC2 fixture

MetricSet CollectFixture(const DiskstatsOptions& options = {}) {
  auto c = NewDiskstatsCollector(FixturePaths(FixturePath("disk")), options);
  MetricSet set;
  c->Collect(set);
  return set;
}

Labels Dev(const std::string& d) { return {{"device", d}}; }

TEST(DiskstatsCollector, DefaultExcludeDropsLoopAndPartitions) {
  MetricSet set = CollectFixture();
  EXPECT_EQ(SampleCount(set, "node_disk_info"), 4u);  // dm-0 nvme0n1 nvme1n1 xvda
  EXPECT_EQ(Value(set, "node_disk_reads_completed_total", Dev("loop0")), kMissing);
  EXPECT_EQ(Value(set, "node_disk_reads_completed_total", Dev("nvme0n1p1")), kMissing);
  EXPECT_EQ(Value(set, "node_disk_reads_completed_total", Dev("xvda1")), kMissing);
  EXPECT_EQ(Value(set, "node_disk_reads_completed_total", Dev("nvme0n1")), 182734);
}

TEST(DiskstatsCollector, ConvertsUnits) {
  MetricSet set = CollectFixture();
  EXPECT_EQ(Value(set, "node_disk_read_bytes_total", Dev("nvme0n1")), 9876544.0 * 512);
  EXPECT_EQ(Value(set, "node_disk_written_bytes_total", Dev("nvme0n1")), 30114552.0 * 512);
  EXPECT_DOUBLE_EQ(Value(set, "node_disk_read_time_seconds_total", Dev("nvme0n1")), 98.211);
  EXPECT_DOUBLE_EQ(Value(set, "node_disk_io_time_weighted_seconds_total", Dev("nvme0n1")),
                   760.412);
  EXPECT_EQ(Value(set, "node_disk_io_now", Dev("nvme1n1")), 3);
  // Discarded sectors stay sectors.
  EXPECT_EQ(Value(set, "node_disk_discarded_sectors_total", Dev("nvme0n1")), 31457280);
  EXPECT_EQ(Value(set, "node_disk_flush_requests_total", Dev("nvme0n1")), 88122);
  EXPECT_DOUBLE_EQ(Value(set, "node_disk_flush_requests_time_seconds_total", Dev("nvme0n1")),
                   7.01);
  EXPECT_EQ(set.Find("node_disk_io_now")->type, MetricType::Gauge);
  EXPECT_EQ(set.Find("node_disk_reads_completed_total")->type, MetricType::Counter);
}

TEST(DiskstatsCollector, FamiliesFollowTheLineFormat) {
  MetricSet set = CollectFixture();
  // xvda: 14 fields, no discard or flush counters.
  EXPECT_DOUBLE_EQ(Value(set, "node_disk_io_time_weighted_seconds_total", Dev("xvda")), 15.056);
  EXPECT_EQ(Value(set, "node_disk_discards_completed_total", Dev("xvda")), kMissing);
  // dm-0: 18 fields, discards but no flushes.
  EXPECT_DOUBLE_EQ(Value(set, "node_disk_discard_time_seconds_total", Dev("dm-0")), 0.095);
  EXPECT_EQ(Value(set, "node_disk_flush_requests_total", Dev("dm-0")), kMissing);
  EXPECT_EQ(SampleCount(set, "node_disk_flush_requests_total"), 2u);
  EXPECT_EQ(SampleCount(set, "node_disk_discards_merged_total"), 3u);
  EXPECT_EQ(SampleCount(set, "node_disk_reads_merged_total"), 4u);
}

TEST(DiskstatsCollector, InfoLabelsFromUdevAndSysfs) {
  MetricSet set = CollectFixture();
  EXPECT_EQ(Value(set, "node_disk_info",
                  {{"device", "nvme0n1"},
                   {"major", "259"},
                   {"minor", "0"},
                   {"model", "Amazon Elastic Block Store"},
                   {"path", "pci-0000:00:04.0-nvme-1"},
                   {"revision", "2.0"},
                   {"rotational", "0"},
                   {"serial", "vol0a1b2c3d4e5f60718"},
                   {"wwn",
                    "nvme.1d0f-766f6c3061316232633364346535663630373138-"
                    "416d617a6f6e20456c617374696320426c6f636b2053746f7265-00000001"}}),
            1);
  // No udev data file: empty labels; rotational still comes from sysfs.
  EXPECT_EQ(Value(set, "node_disk_info",
                  {{"device", "xvda"},
                   {"major", "202"},
                   {"minor", "0"},
                   {"model", ""},
                   {"path", ""},
                   {"revision", ""},
                   {"rotational", "1"},
                   {"serial", ""},
                   {"wwn", ""}}),
            1);
  // No queue directory at all.
  auto info = testing::Find(set, "node_disk_info");
  ASSERT_TRUE(info.has_value());
  for (const auto& m : info->metric) {
    if (m.label[0].value == "dm-0") {
      EXPECT_EQ(m.label[6].value, "0");
    }
  }
}

TEST(DiskstatsCollector, FilesystemAndDeviceMapperInfo) {
  MetricSet set = CollectFixture();
  EXPECT_EQ(SampleCount(set, "node_disk_filesystem_info"), 2u);
  EXPECT_EQ(Value(set, "node_disk_filesystem_info",
                  {{"device", "nvme1n1"},
                   {"type", "LVM2_member"},
                   {"usage", "raid"},
                   {"uuid", "Zq3fJd-1m2N-aB3c-D4eF-g5H6-i7J8-k9L0mN"},
                   {"version", "LVM2 001"}}),
            1);
  EXPECT_EQ(SampleCount(set, "node_disk_device_mapper_info"), 1u);
  EXPECT_EQ(
      Value(set, "node_disk_device_mapper_info",
            {{"device", "dm-0"},
             {"lv_layer", ""},
             {"lv_name", "ray"},
             {"name", "scratch-ray"},
             {"uuid", "LVM-k2Lw0pQ8xY1zA3bC4dE5fG6hI7jK8lM9nO0pQ1rS2tU3vW4xY5zA6bC7dE8fG9h"},
             {"vg_name", "scratch"}}),
      1);
  // node_disk_device_mapper_backing_device_info exists only in an unmerged
  // node_exporter pull request (#3676), not in 1.12: not exported.
  EXPECT_EQ(set.Find("node_disk_device_mapper_backing_device_info"), nullptr);
  EXPECT_EQ(set.Find("node_disk_ata_write_cache"), nullptr);
}

TEST(DiskstatsCollector, SamplesSortedByDevice) {
  MetricSet set = CollectFixture();
  auto f = testing::Find(set, "node_disk_reads_completed_total");
  ASSERT_TRUE(f.has_value());
  std::vector<std::string> devices;
  for (const auto& m : f->metric) devices.push_back(m.label[0].value);
  EXPECT_EQ(devices, (std::vector<std::string>{"dm-0", "nvme0n1", "nvme1n1", "xvda"}));
}

// ---------------------------------------------------------------------------
// Flags

TEST(DiskstatsFlags, IncludeAloneDropsTheDefaultExclude) {
  DiskstatsOptions o;
  o.device_include = "^nvme";
  // node_exporter >= 1.11: an include alone replaces the default exclude
  // (nvme0n1p1 would match it); an exclude set by hand still conflicts.
  o.device_exclude_set = true;
  EXPECT_THROW(CollectFixture(o), std::invalid_argument);
  o.device_exclude_set = false;
  MetricSet set = CollectFixture(o);
  EXPECT_EQ(SampleCount(set, "node_disk_info"), 3u);  // nvme0n1 nvme0n1p1 nvme1n1
  EXPECT_EQ(Value(set, "node_disk_reads_completed_total", Dev("nvme0n1p1")), 182101);
}

TEST(DiskstatsFlags, BadRegexNamesTheFlag) {
  DiskstatsOptions o;
  o.device_exclude = "([";
  o.device_exclude_set = true;
  try {
    CollectFixture(o);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("collector.diskstats.device-exclude"));
  }
}

TEST(DiskstatsFlags, DeprecatedIgnoredDevices) {
  DiskstatsOptions o;
  o.ignored_devices = "^xvd";
  MetricSet set = CollectFixture(o);
  // Replaces the default exclude: loop0 and partitions come back, xvd* go.
  EXPECT_EQ(Value(set, "node_disk_reads_completed_total", Dev("xvda")), kMissing);
  EXPECT_EQ(Value(set, "node_disk_reads_completed_total", Dev("loop0")), 54);
  o.device_exclude_set = true;
  EXPECT_THROW(CollectFixture(o), std::invalid_argument);
}

// ---------------------------------------------------------------------------
// Trees built at runtime

// A minimal tree: proc/diskstats plus whatever the test adds.
struct Tree {
  TempDir dir;
  Paths paths() const { return FixturePaths(dir.path()); }
  void Diskstats(const std::string& content) const {
    // Rewritten in place so an open descriptor sees the change.
    std::filesystem::create_directories(dir.path() + "/proc");
    std::ofstream(dir.path() + "/proc/diskstats", std::ios::trunc) << content;
  }
};

TEST(DiskstatsCollector, MalformedLineSkipsOnlyThatDeviceAndWarnsOnce) {
  Tree t;
  t.Diskstats(
      "259 0 nvme0n1 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"
      "259 2 nvme1n1 1 2 3 oops 5 6 7 8 9 10 11 12 13 14 15 16 17\n");
  testing::LogCapture logs;
  auto c = NewDiskstatsCollector(t.paths(), {});
  for (int i = 0; i < 2; ++i) {
    MetricSet set;
    c->Collect(set);
    EXPECT_EQ(Value(set, "node_disk_reads_completed_total", Dev("nvme0n1")), 1);
    EXPECT_EQ(Value(set, "node_disk_reads_completed_total", Dev("nvme1n1")), kMissing);
  }
  EXPECT_EQ(logs.Warnings("nvme1n1"), 1u);
}

TEST(DiskstatsCollector, MissingDiskstatsFails) {
  Tree t;
  auto c = NewDiskstatsCollector(t.paths(), {});
  MetricSet set;
  EXPECT_THROW(c->Collect(set), std::runtime_error);
  EXPECT_TRUE(set.empty());
}

TEST(DiskstatsCollector, StaticInfoRefreshedOnlyWhenDeviceSetChanges) {
  Tree t;
  t.Diskstats("259 0 nvme0n1 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n");
  t.dir.Write("udev/data/b259:0", "E:ID_MODEL=first\n");
  auto c = NewDiskstatsCollector(t.paths(), {});
  auto model = [](const MetricSet& set) {
    auto f = testing::Find(set, "node_disk_info");
    return f ? f->metric.at(0).label.at(3).value : std::string("?");
  };
  MetricSet a;
  c->Collect(a);
  EXPECT_EQ(model(a), "first");

  // Counters move, the device set does not: the udev file is not re-read.
  t.dir.Write("udev/data/b259:0", "E:ID_MODEL=second\n");
  t.Diskstats("259 0 nvme0n1 100 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n");
  MetricSet b;
  c->Collect(b);
  EXPECT_EQ(Value(b, "node_disk_reads_completed_total", Dev("nvme0n1")), 100);
  EXPECT_EQ(model(b), "first");

  // A new device changes the set: everything is read again.
  t.Diskstats(
      "259 0 nvme0n1 101 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"
      "259 2 nvme1n1 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n");
  MetricSet d;
  c->Collect(d);
  EXPECT_EQ(model(d), "second");
  EXPECT_EQ(SampleCount(d, "node_disk_info"), 2u);
  EXPECT_EQ(Value(d, "node_disk_reads_completed_total", Dev("nvme0n1")), 101);
}

TEST(DiskstatsCollector, AtaProperties) {
  Tree t;
  t.Diskstats("8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n");
  t.dir.Write("udev/data/b8:0",
              "E:ID_ATA=1\nE:ID_ATA_WRITE_CACHE=1\nE:ID_ATA_WRITE_CACHE_ENABLED=0\n"
              "E:ID_ATA_ROTATION_RATE_RPM=fast\n");
  auto c = NewDiskstatsCollector(t.paths(), {});
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Value(set, "node_disk_ata_write_cache", Dev("sda")), 1);
  EXPECT_EQ(Value(set, "node_disk_ata_write_cache_enabled", Dev("sda")), 0);
  // Not a number: skipped, not fatal.
  EXPECT_EQ(set.Find("node_disk_ata_rotation_rate_rpm"), nullptr);
}

TEST(DiskstatsCollector, RotationalNeedsTheWholeQueueDirectory) {
  Tree t;
  t.Diskstats("8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n");
  const char* files[] = {"add_random", "dax", "discard_granularity", "discard_max_hw_bytes",
                         "discard_max_bytes", "hw_sector_size", "io_poll", "io_timeout",
                         "iostats", "logical_block_size", "max_hw_sectors_kb",
                         "max_integrity_segments", "max_sectors_kb", "max_segments",
                         "max_segment_size", "minimum_io_size", "nomerges", "nr_requests",
                         "optimal_io_size", "physical_block_size", "read_ahead_kb",
                         "rq_affinity", "write_same_max_bytes", "nr_zones", "chunk_sectors",
                         "fua", "max_discard_segments", "write_zeroes_max_bytes",
                         "io_poll_delay", "wbt_lat_usec"};
  for (const char* f : files) t.dir.Write(std::string("sys/block/sda/queue/") + f, "0\n");
  t.dir.Write("sys/block/sda/queue/write_cache", "write back\n");
  t.dir.Write("sys/block/sda/queue/zoned", "none\n");
  t.dir.Write("sys/block/sda/queue/scheduler", "[mq-deadline] none\n");
  t.dir.Write("sys/block/sda/queue/rotational", "1\n");
  auto rotational = [&] {
    MetricSet set;
    NewDiskstatsCollector(t.paths(), {})->Collect(set);
    return testing::Find(set, "node_disk_info")->metric.at(0).label.at(6).value;
  };
  EXPECT_EQ(rotational(), "1");
  std::filesystem::remove(t.dir.path() + "/sys/block/sda/queue/io_timeout");
  EXPECT_EQ(rotational(), "0");
}

}  // namespace
}  // namespace node_agent
