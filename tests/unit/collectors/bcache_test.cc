#include "collectors/bcache.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

TEST(BcacheParse, Dehumanize) {
  EXPECT_EQ(BcacheDehumanize("542"), 542u);
  EXPECT_EQ(BcacheDehumanize("1.1M"), 1150976u);       // (1 + 1/10.24) MiB
  EXPECT_EQ(BcacheDehumanize("20.4G"), 21894266880u);  // (20 + 4/10.24) GiB
  EXPECT_EQ(BcacheDehumanize("427.5k"), 437748u);
  EXPECT_EQ(BcacheDehumanize("2k"), 2048u);
  EXPECT_EQ(BcacheDehumanize("3x"), 0u);  // an unknown unit multiplies by 0
  EXPECT_EQ(BcacheDehumanize("1.5"), 1u);  // no unit: a plain float, truncated
  EXPECT_FALSE(BcacheDehumanize(""));
  EXPECT_FALSE(BcacheDehumanize("k"));
  EXPECT_FALSE(BcacheDehumanize("1.k"));
  EXPECT_FALSE(BcacheDehumanize("abc"));
}

TEST(BcacheParse, DehumanizeSigned) {
  EXPECT_EQ(BcacheDehumanizeSigned("-427.5k"), -437748);
  EXPECT_EQ(BcacheDehumanizeSigned("790.0k"), 808960);
  EXPECT_FALSE(BcacheDehumanizeSigned("-"));
}

TEST(BcacheParse, ValueDropsLastByte) {
  EXPECT_EQ(ParseBcacheValue("1305\n"), 1305u);
  EXPECT_EQ(ParseBcacheValue("1305"), 130u);  // procfs cuts the last byte whatever it is
  EXPECT_FALSE(ParseBcacheValue(""));
  EXPECT_FALSE(ParseBcacheValue("\n"));
}

TEST(BcacheParse, WritebackRateDebug) {
  std::vector<std::string> skipped;
  auto r = ParseBcacheWritebackRateDebug(
      "rate:           1.1M/sec\ndirty:          20.4G\ntarget:         20.4G\nproportional:   427.5k\n"
      "integral:       790.0k\nchange:         321.5k/sec\nnext io:        17ms\n",
      skipped);
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(r.rate, 1150976u);
  EXPECT_EQ(r.target, 21894266880u);
  EXPECT_EQ(r.proportional, 437748);
  EXPECT_EQ(r.integral, 808960);
  EXPECT_EQ(r.change, 329204);
  r = ParseBcacheWritebackRateDebug("rate: fast\nchange: -1.0k/sec\n", skipped);
  EXPECT_FALSE(r.rate.has_value());
  EXPECT_EQ(r.change, -1024);
  EXPECT_EQ(r.target, 0u);  // no line: 0
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0], "rate: fast");
}

TEST(BcacheParse, PriorityStats) {
  std::vector<std::string> skipped;
  auto p = ParseBcachePriorityStats("Unused:\t\t99%\nMetadata:\t0%\nAverage:\t10473\nSectors per Q:\t64\n", skipped);
  EXPECT_EQ(p.unused_percent, 99u);
  EXPECT_EQ(p.metadata_percent, 0u);
  EXPECT_TRUE(skipped.empty());
  p = ParseBcachePriorityStats("Unused: lots\n", skipped);
  EXPECT_FALSE(p.unused_percent.has_value());
  EXPECT_EQ(skipped.size(), 1u);
}

void WriteSet(const TempDir& dir) {
  const std::string set = "sys/fs/bcache/deaddd54-c735-46d5-868e-f331c5fd7c74/";
  dir.Write(set + "cache_available_percent", "100\n");
  dir.Write(set + "internal/btree_read_average_duration_us", "1305\n");
  dir.Write(set + "internal/cache_read_races", "7\n");
  dir.Write(set + "bdev0/dirty_data", "1.5k\n");
  dir.Write(set + "bdev0/writeback_rate_debug", "rate: 1.1M/sec\ntarget: 20.4G\n");
  dir.Write(set + "bdev0/stats_total/cache_hits", "546\n");
  dir.Write(set + "bdev0/stats_total/cache_readaheads", "0\n");
  dir.Write(set + "cache0/written", "1.0M\n");
  dir.Write(set + "cache0/priority_stats", "Unused: 99%\nMetadata: 1%\n");
  dir.Write("sys/fs/bcache/register", "");  // not a cache set
}

TEST(Bcache, ReadsCacheSet) {
  TempDir dir;
  WriteSet(dir);
  MetricSet set;
  NewBcacheCollector(FixturePaths(dir.path()), {})->Collect(set);
  const std::string uuid = "deaddd54-c735-46d5-868e-f331c5fd7c74";
  EXPECT_DOUBLE_EQ(Value(set, "node_bcache_cache_available_percent", {{"uuid", uuid}}), 100);
  EXPECT_DOUBLE_EQ(Value(set, "node_bcache_btree_read_average_duration_seconds", {{"uuid", uuid}}), 1.305e-06);
  EXPECT_DOUBLE_EQ(Value(set, "node_bcache_tree_depth", {{"uuid", uuid}}), 0);  // missing file: 0
  EXPECT_DOUBLE_EQ(Value(set, "node_bcache_cache_read_races_total", {{"uuid", uuid}}), 7);
  Labels bdev{{"uuid", uuid}, {"backing_device", "bdev0"}};
  EXPECT_DOUBLE_EQ(Value(set, "node_bcache_dirty_data_bytes", bdev), 1524);  // (1 + 5/10.24) KiB
  EXPECT_DOUBLE_EQ(Value(set, "node_bcache_writeback_rate", bdev), 1150976);
  EXPECT_DOUBLE_EQ(Value(set, "node_bcache_cache_hits_total", bdev), 546);
  EXPECT_EQ(SampleCount(set, "node_bcache_cache_readaheads_total"), 0u);  // only when not 0
  Labels cache{{"uuid", uuid}, {"cache_device", "cache0"}};
  EXPECT_DOUBLE_EQ(Value(set, "node_bcache_written_bytes_total", cache), 1048576);
  EXPECT_EQ(SampleCount(set, "node_bcache_priority_stats_unused_percent"), 0u);  // flag off
}

TEST(Bcache, PriorityStatsFlag) {
  TempDir dir;
  WriteSet(dir);
  MetricSet set;
  NewBcacheCollector(FixturePaths(dir.path()), {.priority_stats = true})->Collect(set);
  Labels cache{{"uuid", "deaddd54-c735-46d5-868e-f331c5fd7c74"}, {"cache_device", "cache0"}};
  EXPECT_DOUBLE_EQ(Value(set, "node_bcache_priority_stats_unused_percent", cache), 99);
  EXPECT_DOUBLE_EQ(Value(set, "node_bcache_priority_stats_metadata_percent", cache), 1);
}

TEST(Bcache, MissingWritebackRateDebugFails) {
  TempDir dir;
  dir.Write("sys/fs/bcache/a-b/bdev0/dirty_data", "0\n");
  MetricSet set;
  EXPECT_THROW(NewBcacheCollector(FixturePaths(dir.path()), {})->Collect(set), std::runtime_error);
}

TEST(Bcache, NoBcacheIsNoSeries) {
  TempDir dir;
  MetricSet set;
  NewBcacheCollector(FixturePaths(dir.path()), {})->Collect(set);
  EXPECT_TRUE(set.empty());
}

}  // namespace
}  // namespace node_agent
