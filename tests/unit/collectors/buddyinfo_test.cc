#include "collectors/buddyinfo.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::Value;

TEST(BuddyinfoParse, Zones) {
  std::vector<std::string> skipped;
  auto zones = ParseBuddyinfo(
      "Node 0, zone      DMA      1      0      1\n"
      "Node 0, zone   Normal   4381   1093    185\n",
      skipped);
  ASSERT_EQ(zones.size(), 2u);
  EXPECT_EQ(zones[0].node, "0");
  EXPECT_EQ(zones[0].zone, "DMA");
  EXPECT_EQ(zones[1].sizes, (std::vector<double>{4381, 1093, 185}));
  EXPECT_TRUE(skipped.empty());
}

TEST(BuddyinfoParse, MalformedLinesSkipped) {
  std::vector<std::string> skipped;
  auto zones = ParseBuddyinfo(
      "Node 0, zone DMA 1 2 3\n"
      "Node 0, zone DMA32 1 2\n"  // a different number of orders
      "Node 0,\n"
      "Node 0, zone Normal 1 x 3\n"
      "Node 1, zone Normal 4 5 6\n",
      skipped);
  ASSERT_EQ(zones.size(), 2u);
  EXPECT_EQ(zones[1].node, "1");
  EXPECT_EQ(skipped.size(), 3u);
}

TEST(Buddyinfo, Collect) {
  testing::TempDir dir;
  dir.Write("proc/buddyinfo", "Node 0, zone      DMA      1      0      1      0      2      1      1      0      1      1      3 \n");
  MetricSet set;
  NewBuddyinfoCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_buddyinfo_blocks"), 11u);
  EXPECT_DOUBLE_EQ(Value(set, "node_buddyinfo_blocks", {{"node", "0"}, {"size", "10"}, {"zone", "DMA"}}), 3);
  EXPECT_DOUBLE_EQ(Value(set, "node_buddyinfo_blocks", {{"node", "0"}, {"size", "4"}, {"zone", "DMA"}}), 2);
  EXPECT_EQ(set.Find("node_buddyinfo_blocks")->help, "Count of free blocks according to size.");
  // Samples in label order, as node_exporter serves them: size "10" before "2".
  EXPECT_EQ(testing::Find(set, "node_buddyinfo_blocks")->metric[2].label[1].value, "10");
}

TEST(Buddyinfo, MissingFileFails) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_THROW(NewBuddyinfoCollector(FixturePaths(dir.path()))->Collect(set), std::runtime_error);
}

}  // namespace
}  // namespace node_agent
