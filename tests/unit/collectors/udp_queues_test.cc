#include "collectors/udp_queues.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

constexpr const char* kHeader =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref "
    "pointer drops\n";

TEST(UdpQueuesParse, SumsQueues) {
  std::vector<std::string> skipped;
  auto q = ParseUdpQueues(std::string(kHeader) +
                              "  0: 00000000:0016 00000000:0000 0A 00000015:00000000 00:00000000 00000000 0 0 2740 1 "
                              "ffff88003d3af3c0 100 0 0 10 0\n"
                              "  1: 0100007F:0035 00000000:0000 07 00000001:00000200 00:00000000 00000000 101 0 19012 "
                              "2 0000000000000000 0\n",
                          skipped);
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(q.tx, 0x16u);
  EXPECT_EQ(q.rx, 0x200u);
}

TEST(UdpQueuesParse, Ipv6Addresses) {
  std::vector<std::string> skipped;
  auto q = ParseUdpQueues(std::string(kHeader) +
                              "  5: 00000000000000000000000001000000:0222 00000000000000000000000000000000:0000 07 "
                              "00000000:00000100 00:00000000 00000000 0 0 21322 2 0000000000000000 0\n",
                          skipped);
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(q.rx, 0x100u);
}

TEST(UdpQueuesParse, SkipsLinesProcfsRejects) {
  std::vector<std::string> skipped;
  const std::string good =
      "  1: 0100007F:0035 00000000:0000 07 00000001:00000002 00:00000000 00000000 0 0 1 2 0000000000000000 0\n";
  auto q = ParseUdpQueues(std::string(kHeader) +
                              "  1: 0100007F:0035 00000000:0000 07 00000001:00000002 00:00000000 00000000 0 0 1\n"  // short
                              "  1 0100007F:0035 00000000:0000 07 00000001:00000002 00:00000000 00000000 0 0 1 2 0 0\n"
                              "  1: 01007F:0035 00000000:0000 07 00000001:00000002 00:00000000 00000000 0 0 1 2 0 0\n"
                              "  1: 0100007F:0035 00000000:0000 07 0000000100000002 00:00000000 00000000 0 0 1 2 0 0\n"
                              "  1: 0100007F:0035 00000000:0000 07 00000001:00000002 00:00000000 00000000 0 0 1 2 0 x\n" +
                              good,
                          skipped);
  EXPECT_EQ(skipped.size(), 5u);
  EXPECT_EQ(q.tx, 1u);
  EXPECT_EQ(q.rx, 2u);
}

TEST(UdpQueues, Fixture) {
  MetricSet set;
  NewUdpQueuesCollector(FixturePaths(testing::FixturePath("udp_queues")))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_udp_queues", {{"ip", "v4"}, {"queue", "tx"}}), 0x200);
  EXPECT_DOUBLE_EQ(Value(set, "node_udp_queues", {{"ip", "v4"}, {"queue", "rx"}}), 0x300);
  EXPECT_DOUBLE_EQ(Value(set, "node_udp_queues", {{"ip", "v6"}, {"queue", "tx"}}), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_udp_queues", {{"ip", "v6"}, {"queue", "rx"}}), 0x100);
  EXPECT_EQ(set.Find("node_udp_queues")->help, "Number of allocated memory in the kernel for UDP datagrams in bytes.");
}

TEST(UdpQueues, OneFamilyMissingIsFine) {
  testing::TempDir dir;
  dir.Write("proc/net/udp", std::string(kHeader));
  MetricSet set;
  NewUdpQueuesCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_EQ(testing::SampleCount(set, "node_udp_queues"), 2u);
  EXPECT_DOUBLE_EQ(Value(set, "node_udp_queues", {{"ip", "v4"}, {"queue", "rx"}}), 0);
}

TEST(UdpQueues, BothMissingIsNoData) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewUdpQueuesCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
}

}  // namespace
}  // namespace node_agent
