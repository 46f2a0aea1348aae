#include "collectors/zfs.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

constexpr char kArcstats[] =
    "6 1 0x01 91 4368 5266997922 97951858082072\n"
    "name                            type data\n"
    "hits                            4    8772612\n"
    "arc_meta_used                   4    308103632\n"
    "memory_available_bytes          3    -922337203\n"
    "some_string                     7    text\n"
    "broken                          4    -1\n"
    "short 4\n";

TEST(ZfsParse, NamedKstat) {
  std::vector<ZfsKstat> rows;
  std::vector<std::string> skipped;
  ASSERT_TRUE(ParseZfsKstatNamed(kArcstats, rows, skipped));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].name, "hits");
  EXPECT_DOUBLE_EQ(rows[0].value, 8772612);
  EXPECT_DOUBLE_EQ(rows[2].value, -922337203);
  ASSERT_EQ(skipped.size(), 1u);
  rows.clear();
  EXPECT_FALSE(ParseZfsKstatNamed("hits 4 5\n", rows, skipped));  // no header
  EXPECT_TRUE(rows.empty());
}

TEST(ZfsParse, PoolIo) {
  std::vector<ZfsKstat> rows;
  std::vector<std::string> skipped;
  ParseZpoolIo("12 3 0x00 1 80 79205351707403 395818011156865\n"
               "nread    nwritten reads    writes   wtime    wlentime wupdate  rtime    rlentime rupdate  wcnt     rcnt\n"
               "1884160  3206144  22       132      7155162  104112268 79210489694949 24168078 104112268 "
               "79210489849220 0        x\n"
               "1 2 3\n",
               rows, skipped);
  ASSERT_EQ(rows.size(), 11u);
  EXPECT_EQ(rows[0].name, "nread");
  EXPECT_DOUBLE_EQ(rows[0].value, 1884160);
  EXPECT_EQ(rows[10].name, "wcnt");
  EXPECT_EQ(skipped.size(), 2u);  // the bad rcnt, the short row
  rows.clear();
  ParseZpoolIo("nread nwritten\n1 2\n", rows, skipped);  // too few columns for a header
  EXPECT_TRUE(rows.empty());
}

TEST(ZfsParse, Objset) {
  std::vector<ZfsObjsetRow> rows;
  std::vector<std::string> skipped;
  ASSERT_TRUE(ParseZpoolObjset("23 1 0x01 7 2160 221578688875 6665999035587\n"
                               "name                            type data\n"
                               "writes                          4    1\n"
                               "dataset_name                    7    pool3/dataset with  space\n"
                               "nread                           4    28\n",
                               rows, skipped));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(rows[0].named);
  EXPECT_EQ(rows[0].dataset, "");
  EXPECT_TRUE(rows[1].named);
  EXPECT_EQ(rows[1].dataset, "pool3/dataset with  space");
  EXPECT_DOUBLE_EQ(rows[1].kstat.value, 28);
  // node_exporter cuts the line at the first occurrence of the name's text.
  rows.clear();
  ParseZpoolObjset("name type data\ndataset_name 7 a\nreads 4 1\n", rows, skipped);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].dataset, "ataset_name 7 a");
}

TEST(ZfsParse, StateAndNames) {
  EXPECT_EQ(ParseZpoolState("SUSPENDED\n"), "suspended");
  EXPECT_EQ(ParseZpoolState(""), "");
  EXPECT_EQ(ZfsMetricSuffix("erpt-dropped"), "erpt_dropped");
  EXPECT_EQ(ZfsMetricSuffix("a.b-c"), "b_c");
}

TEST(Zfs, ReadsKstatTree) {
  TempDir dir;
  dir.Write("proc/spl/kstat/zfs/arcstats", kArcstats);
  dir.Write("proc/spl/kstat/zfs/fm", "0 1 0x01 4 192 1 2\nname type data\nerpt-dropped 4 18\n");
  dir.Write("proc/spl/kstat/zfs/pool1/state", "DEGRADED\n");
  dir.Write("proc/spl/kstat/zfs/pool1/io", "x\nnread nwritten reads writes wtime wlentime wupdate rtime rlentime "
                                           "rupdate wcnt rcnt\n1 2 3 4 5 6 7 8 9 10 11 12\n");
  dir.Write("proc/spl/kstat/zfs/pool1/objset-0x36",
            "x\nname type data\ndataset_name 7 pool1/ds\nnunlinks 4 3\n");
  MetricSet set;
  NewZfsCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_zfs_arc_hits"), 8772612);
  ASSERT_NE(set.Find("node_zfs_arc_hits"), nullptr);
  EXPECT_EQ(set.Find("node_zfs_arc_hits")->help, "kstat.zfs.misc.arcstats.hits");
  EXPECT_EQ(set.Find("node_zfs_arc_hits")->type, MetricType::Untyped);
  EXPECT_DOUBLE_EQ(Value(set, "node_zfs_fm_erpt_dropped"), 18);
  EXPECT_EQ(set.Find("node_zfs_fm_erpt_dropped")->help, "kstat.zfs.misc.fm.erpt-dropped");
  EXPECT_DOUBLE_EQ(Value(set, "node_zfs_zpool_rcnt", {{"zpool", "pool1"}}), 12);
  EXPECT_EQ(set.Find("node_zfs_zpool_rcnt")->help, "kstat.zfs.misc.io.rcnt");
  EXPECT_DOUBLE_EQ(Value(set, "node_zfs_zpool_dataset_nunlinks", {{"zpool", "pool1"}, {"dataset", "pool1/ds"}}), 3);
  EXPECT_DOUBLE_EQ(Value(set, "node_zfs_zpool_state", {{"zpool", "pool1"}, {"state", "degraded"}}), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_zfs_zpool_state", {{"zpool", "pool1"}, {"state", "online"}}), 0);
  EXPECT_EQ(SampleCount(set, "node_zfs_zpool_state"), 7u);
  EXPECT_EQ(set.Find("node_zfs_zpool_state")->type, MetricType::Gauge);
}

TEST(Zfs, TableWithoutHeaderFails) {
  TempDir dir;
  dir.Write("proc/spl/kstat/zfs/dmu_tx", "garbage\n");
  MetricSet set;
  EXPECT_THROW(NewZfsCollector(FixturePaths(dir.path()))->Collect(set), std::runtime_error);
}

TEST(Zfs, NoZfsIsNoData) {
  TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewZfsCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
}

}  // namespace
}  // namespace node_agent
