#include "collectors/swap.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

// /proc/swaps as swap_show() prints it: a partition, a swap file whose name
// has an escaped space, and zram.
constexpr const char* kSwaps =
    "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
    "/dev/nvme0n1p3                          partition\t8388604\t\t1024\t\t-2\n"
    "/swap\\040file                           file\t\t2097148\t\t0\t\t10\n"
    "/dev/zram0                              partition\t4194300\t\t12\t\t100\n";

TEST(SwapParse, Entries) {
  std::vector<std::string> skipped;
  auto swaps = ParseSwaps(kSwaps, skipped);
  EXPECT_TRUE(skipped.empty());
  ASSERT_EQ(swaps.size(), 3u);
  EXPECT_EQ(swaps[0].filename, "/dev/nvme0n1p3");
  EXPECT_EQ(swaps[0].type, "partition");
  EXPECT_EQ(swaps[0].size_kib, 8388604);
  EXPECT_EQ(swaps[0].used_kib, 1024);
  EXPECT_EQ(swaps[0].priority, -2);
  EXPECT_EQ(swaps[1].filename, "/swap\\040file");
  EXPECT_EQ(swaps[2].priority, 100);
}

TEST(SwapParse, HeaderOnlyAndMalformed) {
  std::vector<std::string> skipped;
  EXPECT_TRUE(ParseSwaps("Filename\tType\tSize\tUsed\tPriority\n", skipped).empty());
  EXPECT_TRUE(ParseSwaps("", skipped).empty());
  EXPECT_TRUE(skipped.empty());
  auto swaps = ParseSwaps("header\n/a partition 1 2\n/b partition x 2 3\n/c file 1 2 3\n", skipped);
  ASSERT_EQ(swaps.size(), 1u);
  EXPECT_EQ(swaps[0].filename, "/c");
  EXPECT_EQ(skipped.size(), 2u);
}

TEST(Swap, Metrics) {
  TempDir dir;
  dir.Write("proc/swaps", kSwaps);
  MetricSet set;
  NewSwapCollector(FixturePaths(dir.path()))->Collect(set);
  Labels part{{"device", "/dev/nvme0n1p3"}, {"swap_type", "partition"}};
  EXPECT_DOUBLE_EQ(Value(set, "node_swap_size_bytes", part), 8388604.0 * 1024);
  EXPECT_DOUBLE_EQ(Value(set, "node_swap_used_bytes", part), 1024.0 * 1024);
  EXPECT_DOUBLE_EQ(Value(set, "node_swap_priority", part), -2);
  EXPECT_EQ(SampleCount(set, "node_swap_size_bytes"), 3u);
  EXPECT_EQ(set.Find("node_swap_priority")->type, MetricType::Gauge);
  EXPECT_EQ(set.Find("node_swap_size_bytes")->help, "Swap device size in bytes.");
}

TEST(Swap, MissingFileFails) {
  TempDir dir;
  MetricSet set;
  auto c = NewSwapCollector(FixturePaths(dir.path()));
  EXPECT_THROW(c->Collect(set), std::runtime_error);
  EXPECT_EQ(RunCollect(*c, set).status, CollectStatus::kFailed)
      << "node_exporter reports a missing /proc/swaps as an error, not ErrNoData";
}

}  // namespace
}  // namespace node_agent
