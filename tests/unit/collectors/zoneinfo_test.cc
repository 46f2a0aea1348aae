#include "collectors/zoneinfo.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::Value;

constexpr const char* kZoneinfo =
    "Node 0, zone      DMA\n"
    "  per-node stats\n"
    "      nr_inactive_anon 95612\n"
    "      nr_dirtied   1189097\n"
    "  pages free     2949\n"
    "        min      8\n"
    "        high     14\n"
    "        protection: (0, 2039, 31932)\n"
    "      nr_free_pages 2949\n"
    "      numa_hit     1\n"
    "  pagesets\n"
    "    cpu: 0\n"
    "              high:  0\n"
    "Node 0, zone    DMA32\n"
    "  pages free     528427\n"
    "        min      1000\n"
    "        protection: (0, 0, 29893)\n"
    "      nr_free_pages 0x10\n";

TEST(ZoneinfoParse, BlocksFieldsAndProtection) {
  std::vector<std::string> skipped;
  auto blocks = ParseZoneinfo(kZoneinfo, skipped);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].node, "0");
  EXPECT_EQ(blocks[0].zone, "DMA");
  EXPECT_EQ(blocks[0].fields[0], 2949);  // nr_free_pages
  EXPECT_EQ(blocks[0].fields[1], 8);     // min
  EXPECT_FALSE(blocks[0].fields[2]);     // low absent
  EXPECT_EQ(blocks[0].fields[3], 14);    // high: the pageset's "high:" is not it
  EXPECT_EQ(blocks[0].fields[9], 95612);  // per-node nr_inactive_anon counts for the first zone
  EXPECT_EQ(blocks[0].protection, (std::vector<int64_t>{0, 2039, 31932}));
  EXPECT_EQ(blocks[1].zone, "DMA32");
  EXPECT_EQ(blocks[1].fields[0], 16);  // base prefixes as Go's ParseInt(s, 0, 64)
  EXPECT_FALSE(blocks[1].fields[9]);
  EXPECT_TRUE(skipped.empty());
}

TEST(ZoneinfoParse, MalformedValuesSkipped) {
  std::vector<std::string> skipped;
  auto blocks = ParseZoneinfo("Node 1, zone Normal\n  min x\n  low 5\n  protection: (0, y)\n", skipped);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].node, "1");
  EXPECT_FALSE(blocks[0].fields[1]);
  EXPECT_EQ(blocks[0].fields[2], 5);
  EXPECT_TRUE(blocks[0].protection.empty());
  EXPECT_EQ(skipped.size(), 2u);
}

TEST(ZoneinfoParse, IntBase0) {
  EXPECT_EQ(ParseIntBase0("42"), 42);
  EXPECT_EQ(ParseIntBase0("-42"), -42);
  EXPECT_EQ(ParseIntBase0("0x1f"), 31);
  EXPECT_EQ(ParseIntBase0("010"), 8);
  EXPECT_EQ(ParseIntBase0("0b11"), 3);
  EXPECT_EQ(ParseIntBase0("0"), 0);
  EXPECT_EQ(ParseIntBase0("-9223372036854775808"), INT64_MIN);
  EXPECT_FALSE(ParseIntBase0("9223372036854775808"));
  EXPECT_FALSE(ParseIntBase0("08"));
  EXPECT_FALSE(ParseIntBase0(""));
  EXPECT_FALSE(ParseIntBase0("0x"));
}

TEST(Zoneinfo, Collect) {
  testing::TempDir dir;
  dir.Write("proc/zoneinfo", kZoneinfo);
  MetricSet set;
  NewZoneinfoCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_zoneinfo_nr_free_pages", {{"node", "0"}, {"zone", "DMA"}}), 2949);
  EXPECT_DOUBLE_EQ(Value(set, "node_zoneinfo_min_pages", {{"node", "0"}, {"zone", "DMA32"}}), 1000);
  EXPECT_DOUBLE_EQ(Value(set, "node_zoneinfo_nr_dirtied_total", {{"node", "0"}, {"zone", "DMA"}}), 1189097);
  EXPECT_EQ(set.Find("node_zoneinfo_nr_dirtied_total")->type, MetricType::Counter);
  EXPECT_DOUBLE_EQ(Value(set, "node_zoneinfo_protection_2", {{"node", "0"}, {"zone", "DMA"}}), 31932);
  EXPECT_EQ(set.Find("node_zoneinfo_protection_2")->help, "Protection array 2. field");
  EXPECT_EQ(SampleCount(set, "node_zoneinfo_low_pages"), 0u);
}

TEST(Zoneinfo, MissingFileFails) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_THROW(NewZoneinfoCollector(FixturePaths(dir.path()))->Collect(set), std::runtime_error);
}

}  // namespace
}  // namespace node_agent
