#include "collectors/softnet.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

TEST(SoftnetParse, ModernKernelTakesCpuFromColumn13) {
  std::vector<std::string> skipped;
  auto s = ParseSoftnet(
      "0000000a 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000003 00000004 00000005 00000006 "
      "00000002\n"
      "ffffffff 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
      "00000005\n",
      skipped);
  EXPECT_TRUE(skipped.empty());
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].processed, 10u);
  EXPECT_EQ(s[0].dropped, 1u);
  EXPECT_EQ(s[0].time_squeezed, 2u);
  EXPECT_EQ(s[0].cpu_collision, 3u);
  EXPECT_EQ(s[0].received_rps, 4u);
  EXPECT_EQ(s[0].flow_limit_count, 5u);
  EXPECT_EQ(s[0].backlog_len, 6u);
  EXPECT_EQ(s[0].index, 2u);
  EXPECT_EQ(s[1].processed, 0xffffffffu);
  EXPECT_EQ(s[1].index, 5u);
}

TEST(SoftnetParse, OlderKernelsNumberCpusByLine) {
  std::vector<std::string> skipped;
  auto s = ParseSoftnet(
      "00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"
      "00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000007\n"
      "00000003 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000007 00000008\n",
      skipped);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].index, 0u);
  EXPECT_EQ(s[1].index, 1u);
  EXPECT_EQ(s[1].received_rps, 7u);
  EXPECT_EQ(s[1].flow_limit_count, 0u);
  EXPECT_EQ(s[2].index, 2u);
  EXPECT_EQ(s[2].flow_limit_count, 8u);
}

TEST(SoftnetParse, SkipsBadLinesKeepingPositions) {
  std::vector<std::string> skipped;
  auto s = ParseSoftnet(
      "00000001 00000000\n"
      "00000001 00000000 00000000 00000000 zz 00000000 00000000 00000000 00000000\n"
      "100000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"
      "00000004 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n",
      skipped);
  EXPECT_EQ(skipped.size(), 3u);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].processed, 4u);
  EXPECT_EQ(s[0].index, 3u);
}

TEST(Softnet, Fixture) {
  MetricSet set;
  NewSoftnetCollector(FixturePaths(testing::FixturePath("softnet")))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_softnet_processed_total", {{"cpu", "0"}}), 0x2a1f3);
  EXPECT_DOUBLE_EQ(Value(set, "node_softnet_dropped_total", {{"cpu", "1"}}), 3);
  EXPECT_DOUBLE_EQ(Value(set, "node_softnet_times_squeezed_total", {{"cpu", "0"}}), 4);
  EXPECT_DOUBLE_EQ(Value(set, "node_softnet_cpu_collision_total", {{"cpu", "3"}}), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_softnet_received_rps_total", {{"cpu", "1"}}), 2);
  EXPECT_DOUBLE_EQ(Value(set, "node_softnet_flow_limit_count_total", {{"cpu", "3"}}), 5);
  EXPECT_DOUBLE_EQ(Value(set, "node_softnet_backlog_len", {{"cpu", "1"}}), 7);
  EXPECT_EQ(testing::SampleCount(set, "node_softnet_processed_total"), 3u);
  EXPECT_EQ(set.Find("node_softnet_backlog_len")->type, MetricType::Gauge);
  EXPECT_EQ(set.Find("node_softnet_dropped_total")->type, MetricType::Counter);
}

TEST(Softnet, MissingFileFails) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_THROW(NewSoftnetCollector(FixturePaths(dir.path()))->Collect(set), std::runtime_error);
}

}  // namespace
}  // namespace node_agent
