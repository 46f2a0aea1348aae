#include "collectors/xfrm.h"

#include <gtest/gtest.h>

#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

TEST(XfrmParse, NameValueLines) {
  std::vector<std::string> skipped;
  auto f = ParseXfrmStat("XfrmInError             \t1\nXfrmOutPolDead  7656\nXfrmNew -3\n", skipped);
  EXPECT_TRUE(skipped.empty());
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].name, "XfrmInError");
  EXPECT_EQ(f[0].value, 1);
  EXPECT_EQ(f[1].value, 7656);
  EXPECT_EQ(f[2].value, -3);
}

TEST(XfrmParse, SkipsMalformed) {
  std::vector<std::string> skipped;
  auto f = ParseXfrmStat("XfrmInError\nXfrmInHdrError 1 2\nXfrmInNoStates x\nXfrmInPolBlock 100\n", skipped);
  EXPECT_EQ(skipped.size(), 3u);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].name, "XfrmInPolBlock");
}

TEST(Xfrm, Fixture) {
  MetricSet set;
  NewXfrmCollector(FixturePaths(testing::FixturePath("xfrm")))->Collect(set);
  // The fixture's Nth line holds N * 11.
  EXPECT_DOUBLE_EQ(Value(set, "node_xfrm_in_error_packets_total"), 11);
  EXPECT_DOUBLE_EQ(Value(set, "node_xfrm_in_state_mismatch_packets_total"), 99);
  EXPECT_DOUBLE_EQ(Value(set, "node_xfrm_out_pol_dead_packets_total"), 264);
  EXPECT_DOUBLE_EQ(Value(set, "node_xfrm_acquire_error_packets_total"), 308);
  EXPECT_EQ(set.Find("node_xfrm_acquire_error_packets_total")->help, "State hasn\u2019t been fully acquired before use");
  EXPECT_EQ(set.Find("node_xfrm_in_error_packets_total")->type, MetricType::Counter);
  // Only node_exporter's 28 fields; newer kernels' extra lines are ignored.
  EXPECT_EQ(set.families().size(), 28u);
}

TEST(Xfrm, MissingFieldsAreZero) {
  testing::TempDir dir;
  dir.Write("proc/net/xfrm_stat", "XfrmInError 5\n");
  MetricSet set;
  NewXfrmCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_xfrm_in_error_packets_total"), 5);
  EXPECT_DOUBLE_EQ(Value(set, "node_xfrm_fwd_hdr_error_packets_total"), 0);
}

TEST(Xfrm, MissingFileFails) {
  testing::TempDir dir;
  MetricSet set;
  auto c = NewXfrmCollector(FixturePaths(dir.path()));
  EXPECT_EQ(RunCollect(*c, set).status, CollectStatus::kFailed)
      << "node_exporter reports a missing xfrm_stat as an error";
}

}  // namespace
}  // namespace node_agent
