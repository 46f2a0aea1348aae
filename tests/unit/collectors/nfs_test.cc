#include "collectors/nfs.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

// /proc/net/rpc/nfs of a Linux 6.1 client of an NFSv4.1 server (EFS):
// proc4 has 69 operations, more than procfs maps.
constexpr const char* kClient =
    "net 0 0 0 0\n"
    "rpc 2137 3 2140\n"
    "proc3 22 0 9 0 4 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 2 0 0\n"
    "proc4 69 0 510 44 12 30 0 0 0 29 3 8 0 0 0 0 0 0 41 180 93 2 11 1 0 0 0 1 14 0 6 "
    "2 7 0 0 0 0 1 0 3 1 1 1271 0 1 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

TEST(NfsParse, ClientLines) {
  std::vector<std::string> skipped;
  NfsClientStats s = ParseNfsClientStats(kClient, skipped);
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(s.rpc[0], 2137u);
  EXPECT_EQ(s.rpc[1], 3u);
  EXPECT_EQ(s.proc3[1], 9u);  // GETATTR
  EXPECT_EQ(s.proc4[1], 510u);  // READ
  EXPECT_EQ(s.proc4[41], 1271u);  // SEQUENCE
  EXPECT_EQ(kNfsV4ClientProcedures[41], "Sequence");
  EXPECT_EQ(s.proc2[0], 0u);  // no proc2 line: zeros
}

TEST(NfsParse, ShortProc4IsPadded) {
  std::vector<std::string> skipped;
  NfsClientStats s = ParseNfsClientStats("proc4 3 1 2 3\n", skipped);
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(s.proc4[2], 3u);
  EXPECT_EQ(s.proc4[58], 0u);
}

TEST(NfsParse, MalformedLinesAreSkipped) {
  std::vector<std::string> skipped;
  // Count mismatch, too few v2 procedures, non-number, unknown key, wrong net
  // width, a lone key.
  NfsClientStats s = ParseNfsClientStats(
      "proc3 22 1 2\nproc2 2 1 2\nrpc 1 x 3\nfoo 1\nnet 1 2 3\nrpc\nrpc 7 8 9\n", skipped);
  EXPECT_EQ(skipped.size(), 6u);
  EXPECT_EQ(s.rpc[0], 7u);
  EXPECT_EQ(s.proc3[0], 0u);
}

TEST(Nfs, Metrics) {
  TempDir dir;
  dir.Write("proc/net/rpc/nfs", std::string("net 18 5 13 4\n") + kClient + "proc2 18 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n");
  MetricSet set;
  NewNfsCollector(FixturePaths(dir.path()))->Collect(set);
  // kClient's net line comes later and wins, as in procfs.
  EXPECT_DOUBLE_EQ(Value(set, "node_nfs_packets_total", {{"protocol", "tcp"}}), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfs_rpcs_total"), 2137);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfs_rpc_retransmissions_total"), 3);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfs_rpc_authentication_refreshes_total"), 2140);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfs_requests_total", {{"proto", "2"}, {"method", "FsStat"}}), 18);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfs_requests_total", {{"proto", "3"}, {"method", "GetAttr"}}), 9);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfs_requests_total", {{"proto", "4"}, {"method", "Read"}}), 510);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfs_requests_total", {{"proto", "4"}, {"method", "Clone"}}), 0);
  EXPECT_EQ(SampleCount(set, "node_nfs_requests_total"), 18u + 22u + 59u);
  EXPECT_EQ(set.Find("node_nfs_requests_total")->type, MetricType::Counter);
}

TEST(Nfs, NoClientModuleIsNoData) {
  TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewNfsCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
}

}  // namespace
}  // namespace node_agent
