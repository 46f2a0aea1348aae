#include "collectors/bcachefs.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

TEST(BcachefsParse, HumanBytes) {
  EXPECT_EQ(ParseBcachefsHumanBytes("2.05G"), 2201170739u);
  EXPECT_EQ(ParseBcachefsHumanBytes("28.2k"), 28876u);
  EXPECT_EQ(ParseBcachefsHumanBytes("720"), 720u);
  EXPECT_EQ(ParseBcachefsHumanBytes(" 10.8T "), 11874725579980u);
  EXPECT_EQ(ParseBcachefsHumanBytes("1m"), 1048576u);
  EXPECT_FALSE(ParseBcachefsHumanBytes(""));
  EXPECT_FALSE(ParseBcachefsHumanBytes("k"));
  EXPECT_FALSE(ParseBcachefsHumanBytes("12x"));
}

TEST(BcachefsParse, SanitizeCounterName) {
  EXPECT_EQ(SanitizeBcachefsCounterName("btree_node_read"), "btree_node_read");
  EXPECT_EQ(SanitizeBcachefsCounterName("a-b"), "a_b");
  EXPECT_EQ(SanitizeBcachefsCounterName("a_-_b"), "a_b");
  EXPECT_EQ(SanitizeBcachefsCounterName("a_-_-b"), "a__b");  // as Go's leftmost matches give it
  EXPECT_EQ(SanitizeBcachefsCounterName("x.y z"), "x_y_z");
  EXPECT_EQ(SanitizeBcachefsCounterName("a__b"), "a__b");
}

TEST(BcachefsParse, CompressionStats) {
  std::vector<std::string> skipped;
  auto s = ParseBcachefsCompressionStats(
      "typetype          compressed    uncompressed     average extent size\n"
      "lz4                    48.9G           71.2G                   62.5k\n"
      "gzip:                      0               0\n"
      "zstd                    bad            603G                    115k\n"
      "short 1\n",
      skipped);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s["lz4"].compressed, 52505975193u);
  EXPECT_EQ(s["lz4"].uncompressed, 76450417868u);
  EXPECT_EQ(s.count("gzip"), 1u);
  ASSERT_EQ(skipped.size(), 1u);
}

TEST(BcachefsParse, Errors) {
  std::vector<std::string> skipped;
  auto e = ParseBcachefsErrors(
      "btree_node_data_missing   2   1753593586\nextent_io_opts_not_set  11299659571772285102\nx\nbad  two\n", skipped);
  EXPECT_EQ(e["btree_node_data_missing"], 2u);
  EXPECT_EQ(e["extent_io_opts_not_set"], 11299659571772285102u);
  EXPECT_EQ(e.size(), 2u);
  EXPECT_EQ(skipped.size(), 1u);
}

TEST(BcachefsParse, Counter) {
  EXPECT_EQ(ParseBcachefsCounter("since mount:                   39816825\n"
                                 "since filesystem creation:     44105502\n"),
            44105502u);
  EXPECT_EQ(ParseBcachefsCounter("since mount: 5\n"), 0u);
  EXPECT_EQ(ParseBcachefsCounter("since filesystem creation: 1.5k\n"), 1536u);
  EXPECT_FALSE(ParseBcachefsCounter("total: 5\n"));
  EXPECT_FALSE(ParseBcachefsCounter("since filesystem creation: many\n"));
}

TEST(BcachefsParse, BtreeWriteStats) {
  std::vector<std::string> skipped;
  auto w = ParseBcachefsBtreeWriteStats(
      "                   nr        size\ninitial:           3298401   100k\ninterior: x 1k\n", skipped);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w["initial"].count, 3298401u);
  EXPECT_EQ(w["initial"].size_bytes, 102400u);
  EXPECT_EQ(skipped.size(), 1u);
}

TEST(BcachefsParse, IoDoneAndErrors) {
  std::vector<std::string> skipped;
  auto d = ParseBcachefsIoDone("stray : 1\nread:\nsb          :       86016\nuser        :3770452246528\n"
                               "write:\nbtree       :      589824\nbad: x\n",
                               skipped);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d["read"]["sb"], 86016u);
  EXPECT_EQ(d["read"]["user"], 3770452246528u);
  EXPECT_EQ(d["write"]["btree"], 589824u);
  EXPECT_EQ(skipped.size(), 1u);
  auto e = ParseBcachefsIoErrors("IO errors since filesystem creation\n  read:    197416\n  write:   205\n"
                                 "  checksum:0\nIO errors since 8 y ago\n  read:    1\n",
                                 skipped);
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e["read"], 197416u);
  EXPECT_EQ(e["checksum"], 0u);
}

TEST(Bcachefs, ReadsFileSystem) {
  TempDir dir;
  const std::string fs = "sys/fs/bcachefs/deadbeef-1234/";
  dir.Write(fs + "btree_cache_size", "2.05G\n");
  dir.Write(fs + "errors", "bset_bad_csum 2 1767112063\n");
  dir.Write(fs + "counters/btree_node_read", "since mount: 1\nsince filesystem creation: 9\n");
  dir.Write(fs + "counters/odd-name", "since filesystem creation: 3\n");
  dir.Write(fs + "counters/broken", "nothing\n");
  dir.Write(fs + "dev-4/label", "disk-4\n");
  dir.Write(fs + "dev-4/state", "[rw] ro evacuating spare \n");
  dir.Write(fs + "dev-4/bucket_size", "2.00M\n");
  dir.Write(fs + "dev-4/nbuckets", "7629824\n");
  dir.Write(fs + "dev-4/io_done", "read:\nuser : 5\n");
  MetricSet set;
  NewBcachefsCollector(FixturePaths(dir.path()))->Collect(set);
  Labels u{{"uuid", "deadbeef-1234"}};
  EXPECT_DOUBLE_EQ(Value(set, "node_bcachefs_info", u), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_bcachefs_btree_cache_size_bytes", u), 2201170739);
  EXPECT_DOUBLE_EQ(Value(set, "node_bcachefs_btree_node_read_total", u), 9);
  EXPECT_DOUBLE_EQ(Value(set, "node_bcachefs_odd_name_total", u), 3);
  ASSERT_NE(set.Find("node_bcachefs_odd_name_total"), nullptr);
  EXPECT_EQ(set.Find("node_bcachefs_odd_name_total")->help, "Bcachefs counter odd-name since filesystem creation.");
  EXPECT_EQ(SampleCount(set, "node_bcachefs_broken_total"), 0u);
  EXPECT_DOUBLE_EQ(
      Value(set, "node_bcachefs_errors_total", {{"uuid", "deadbeef-1234"}, {"error_type", "bset_bad_csum"}}), 2);
  Labels dev{{"uuid", "deadbeef-1234"}, {"device", "4"}};
  EXPECT_DOUBLE_EQ(Value(set, "node_bcachefs_device_bucket_size_bytes", dev), 2097152);
  EXPECT_DOUBLE_EQ(Value(set, "node_bcachefs_device_buckets", dev), 7629824);
  EXPECT_DOUBLE_EQ(Value(set, "node_bcachefs_device_durability", dev), 0);  // missing: 0
  EXPECT_DOUBLE_EQ(Value(set, "node_bcachefs_device_info",
                         {{"uuid", "deadbeef-1234"}, {"device", "4"}, {"label", "disk-4"},
                          {"state", "[rw] ro evacuating spare"}}),
                   1);
  EXPECT_DOUBLE_EQ(Value(set, "node_bcachefs_device_io_done_bytes_total",
                         {{"uuid", "deadbeef-1234"}, {"device", "4"}, {"operation", "read"}, {"data_type", "user"}}),
                   5);
}

TEST(Bcachefs, NoBcachefsIsNoData) {
  TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewBcachefsCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
  dir.Write("sys/fs/bcachefs/not-a-dir", "");
  EXPECT_EQ(RunCollect(*NewBcachefsCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
}

}  // namespace
}  // namespace node_agent
