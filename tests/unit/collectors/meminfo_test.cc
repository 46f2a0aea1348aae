#include "collectors/meminfo.h"

#include <gtest/gtest.h>

#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::Value;

TEST(MeminfoParse, ScalesKilobytesAndKeepsHugePageCounts) {
  auto info = ParseMeminfo(
      "MemTotal:       15834460 kB\n"
      "Active(anon):     255728 kB\n"
      "HugePages_Total:      16\n"
      "Hugepagesize:       2048 kB\n");
  ASSERT_EQ(info.values.size(), 4u);
  EXPECT_EQ(info.values[0].metric, "MemTotal_bytes");
  EXPECT_DOUBLE_EQ(info.values[0].value, 15834460.0 * 1024);
  EXPECT_EQ(info.values[1].metric, "Active_anon_bytes");
  EXPECT_EQ(info.values[2].metric, "HugePages_Total");
  EXPECT_DOUBLE_EQ(info.values[2].value, 16);
  EXPECT_EQ(info.values[3].metric, "Hugepagesize_bytes");
  EXPECT_DOUBLE_EQ(info.values[3].value, 2048.0 * 1024);
  EXPECT_TRUE(info.malformed.empty());
}

TEST(MeminfoParse, LeavesOutFieldsNodeExporterDoesNotMap) {
  auto info = ParseMeminfo("Hugetlb: 32768 kB\nKReclaimable: 412224 kB\nFileHugePages: 0 kB\nMemFree: 1 kB\n");
  ASSERT_EQ(info.values.size(), 1u);
  EXPECT_EQ(info.values[0].metric, "MemFree_bytes");
  EXPECT_TRUE(info.malformed.empty());
}

TEST(MeminfoParse, SkipsMalformedLines) {
  auto info = ParseMeminfo(
      "MemTotal: abc kB\n"
      "MemFree: 10 MB\n"
      "Buffers 10 kB\n"
      "Cached: 1 2 kB\n"
      "\n"
      "Dirty: 4 kB\n");
  ASSERT_EQ(info.values.size(), 1u);
  EXPECT_EQ(info.values[0].metric, "Dirty_bytes");
  EXPECT_DOUBLE_EQ(info.values[0].value, 4096);
  EXPECT_EQ(info.malformed.size(), 4u);
}

TEST(Meminfo, Ec2Fixture) {
  MetricSet set;
  NewMeminfoCollector(FixturePaths(testing::FixturePath("meminfo/ec2")))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_memory_MemTotal_bytes"), 15834460.0 * 1024);
  EXPECT_DOUBLE_EQ(Value(set, "node_memory_MemAvailable_bytes"), 12713852.0 * 1024);
  EXPECT_DOUBLE_EQ(Value(set, "node_memory_Inactive_file_bytes"), 7505784.0 * 1024);
  EXPECT_DOUBLE_EQ(Value(set, "node_memory_DirectMap1G_bytes"), 8388608.0 * 1024);
  EXPECT_DOUBLE_EQ(Value(set, "node_memory_Zswap_bytes"), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_memory_Percpu_bytes"), 6848.0 * 1024);
  EXPECT_DOUBLE_EQ(Value(set, "node_memory_HugePages_Free"), 12);
  EXPECT_DOUBLE_EQ(Value(set, "node_memory_HugePages_Rsvd"), 1);
  EXPECT_EQ(set.Find("node_memory_Hugetlb_bytes"), nullptr);
  EXPECT_EQ(set.Find("node_memory_KReclaimable_bytes"), nullptr);
  auto f = testing::Find(set, "node_memory_SwapTotal_bytes");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->type, MetricType::Gauge);
  EXPECT_EQ(f->help, "Memory information field SwapTotal_bytes.");
  // 55 lines, of which 6 (KReclaimable, SecPageTables, FileHugePages,
  // FilePmdMapped, Unaccepted, Hugetlb) are fields node_exporter does not export.
  EXPECT_EQ(set.families().size(), 49u);
}

TEST(Meminfo, OldKernelWithoutNewerFields) {
  MetricSet set;
  NewMeminfoCollector(FixturePaths(testing::FixturePath("meminfo/old_kernel")))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_memory_MemFree_bytes"), 318864.0 * 1024);
  EXPECT_EQ(set.Find("node_memory_MemAvailable_bytes"), nullptr);
  EXPECT_EQ(set.Find("node_memory_Active_anon_bytes"), nullptr);
  EXPECT_EQ(set.Find("node_memory_HugePages_Surp"), nullptr);
  EXPECT_EQ(set.Find("node_memory_HighTotal_bytes"), nullptr);
  EXPECT_EQ(SampleCount(set, "node_memory_HugePages_Total"), 1u);
}

TEST(Meminfo, MalformedLineSkippedAndLoggedOnce) {
  testing::TempDir dir;
  auto collector = NewMeminfoCollector(FixturePaths(dir.path()));
  testing::LogCapture logs;
  for (int i = 0; i < 3; ++i) {
    // The bad value changes between scrapes; it is still one problem.
    dir.Write("proc/meminfo", "MemTotal: 100 kB\nMemFree: x" + std::to_string(i) + " kB\nBuffers: 3 kB\n");
    MetricSet set;
    collector->Collect(set);
    EXPECT_DOUBLE_EQ(Value(set, "node_memory_MemTotal_bytes"), 102400);
    EXPECT_DOUBLE_EQ(Value(set, "node_memory_Buffers_bytes"), 3072);
    EXPECT_EQ(set.Find("node_memory_MemFree_bytes"), nullptr);
  }
  EXPECT_EQ(logs.Warnings("MemFree"), 1u);
}

TEST(Meminfo, MissingFileFails) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_THROW(NewMeminfoCollector(FixturePaths(dir.path()))->Collect(set), std::runtime_error);
}

}  // namespace
}  // namespace node_agent
