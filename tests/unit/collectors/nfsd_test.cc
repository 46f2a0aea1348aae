#include "collectors/nfsd.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

// /proc/net/rpc/nfsd of a Linux 6.x server: no "ra" line any more, a "th"
// line with only the thread count and a 76-operation proc4ops.
constexpr const char* kServer =
    "rc 0 12 3456\n"
    "fh 2 0 0 0 0\n"
    "io 1048576 2097152\n"
    "th 16 0 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000\n"
    "net 3470 0 3470 12\n"
    "rpc 3468 1 2 3 4\n"
    "proc3 22 2 56 0 7 9 0 30 12 1 0 0 0 0 0 0 0 0 4 2 1 1 5\n"
    "proc4 2 2 3408\n"
    "proc4ops 76 0 0 0 120 10 3 0 0 0 900 20 0 0 0 0 33 0 0 12 0 0 0 1000 0 2 41 6 0 0 0 0 0 0 0 0 "
    "0 0 0 19 7 0 0 0 0 0 0 0 0 0 0 0 0 3408 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
    "wdeleg_getattr 5\n";

TEST(NfsdParse, ServerLines) {
  std::vector<std::string> skipped;
  NfsdStats s = ParseNfsdStats(kServer, skipped);
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(s.rc[2], 3456u);
  EXPECT_EQ(s.th[0], 16u);
  EXPECT_EQ(s.io[1], 2097152u);
  EXPECT_EQ(s.proc4ops[3], 120u);  // ACCESS
  EXPECT_EQ(s.proc4ops[38], 19u);  // WRITE
  EXPECT_EQ(s.proc4ops[39], 7u);   // RELEASE_LOCKOWNER
  EXPECT_EQ(s.wdeleg_getattr, 5u);
  EXPECT_EQ(s.ra[0], 0u);
}

TEST(NfsdParse, MalformedLinesAreSkipped) {
  std::vector<std::string> skipped;
  NfsdStats s = ParseNfsdStats(
      "th 8\nproc4 3 1 2 3\nproc4ops 38 " + std::string(76, ' ') + "\nrc 1 2\nio x 1\nxyz 1\nra 1 2\nfh 9 0 0 0 0\n",
      skipped);
  EXPECT_EQ(skipped.size(), 7u);
  EXPECT_EQ(s.fh[0], 9u);
  skipped.clear();
  // 39 operations (before Linux 2.6): RELEASE_LOCKOWNER stays 0.
  ParseNfsdStats("proc4ops 39" + std::string(39 * 2, ' ') + "\n", skipped);
  EXPECT_EQ(skipped.size(), 1u);  // the count says 39 but no values follow
  std::string ops39 = "proc4ops 39";
  for (int i = 0; i < 39; ++i) ops39 += " 1";
  skipped.clear();
  NfsdStats old = ParseNfsdStats(ops39 + "\n", skipped);
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(old.proc4ops[38], 1u);
  EXPECT_EQ(old.proc4ops[39], 0u);
}

TEST(Nfsd, Metrics) {
  TempDir dir;
  dir.Write("proc/net/rpc/nfsd", kServer);
  MetricSet set;
  NewNfsdCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfsd_reply_cache_nocache_total"), 3456);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfsd_file_handles_stale_total"), 2);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfsd_server_threads"), 16);
  EXPECT_EQ(set.Find("node_nfsd_server_threads")->type, MetricType::Gauge);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfsd_packets_total", {{"proto", "tcp"}}), 3470);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfsd_connections_total"), 12);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfsd_rpc_errors_total", {{"error", "cInt"}}), 4);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfsd_server_rpcs_total"), 3468);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfsd_requests_total", {{"proto", "3"}, {"method", "GetAttr"}}), 56);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfsd_requests_total", {{"proto", "4"}, {"method", "PutFH"}}), 1000);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfsd_requests_total", {{"proto", "4"}, {"method", "RelLockOwner"}}), 7);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfsd_requests_total", {{"proto", "4"}, {"method", "WdelegGetattr"}}), 5);
  // NULL is left out for v2 and v3, PUTPUBFH and PUTROOTFH for v4.
  EXPECT_EQ(SampleCount(set, "node_nfsd_requests_total"), 17u + 21u + 35u + 1u);
  EXPECT_DOUBLE_EQ(Value(set, "node_nfsd_requests_total", {{"proto", "3"}, {"method", "Null"}}), -12345.678);
}

TEST(Nfsd, NoServerModuleIsNoData) {
  TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewNfsdCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
}

}  // namespace
}  // namespace node_agent
