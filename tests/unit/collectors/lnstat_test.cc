#include "collectors/lnstat.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

TEST(LnstatParse, ColumnsPerCpu) {
  std::vector<std::string> skipped;
  auto c = ParseLnstat("entries  allocs destroys\n00000014 00000001 0000000a\n00000014 00000002 000000ff\n", skipped);
  EXPECT_TRUE(skipped.empty());
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].name, "entries");
  EXPECT_EQ(c[1].name, "allocs");
  EXPECT_EQ(c[1].values, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(c[2].values, (std::vector<uint64_t>{10, 255}));
}

TEST(LnstatParse, BadValueSkipsRestOfLine) {
  std::vector<std::string> skipped;
  auto c = ParseLnstat("a b c\n1 zz 3\n4 5 6 7\n8 9 a\n", skipped);
  EXPECT_EQ(skipped.size(), 2u);
  EXPECT_EQ(c[0].values, (std::vector<uint64_t>{1, 4, 8}));
  EXPECT_EQ(c[1].values, (std::vector<uint64_t>{5, 9}));
  EXPECT_EQ(c[2].values, (std::vector<uint64_t>{6, 10}));
}

TEST(LnstatParse, RepeatedHeaderSharesAColumn) {
  std::vector<std::string> skipped;
  auto c = ParseLnstat("x y x\n1 2 3\n", skipped);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].values, (std::vector<uint64_t>{1, 3}));
}

TEST(LnstatParse, Empty) {
  std::vector<std::string> skipped;
  EXPECT_TRUE(ParseLnstat("", skipped).empty());
  EXPECT_TRUE(ParseLnstat("a b\n", skipped)[0].values.empty());
}

TEST(Lnstat, Fixture) {
  MetricSet set;
  NewLnstatCollector(FixturePaths(testing::FixturePath("lnstat")))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_lnstat_allocs_total", {{"cpu", "0"}, {"subsystem", "arp_cache"}}), 0x1a);
  EXPECT_DOUBLE_EQ(Value(set, "node_lnstat_hits_total", {{"cpu", "1"}, {"subsystem", "arp_cache"}}), 0xf);
  EXPECT_DOUBLE_EQ(Value(set, "node_lnstat_entries_total", {{"cpu", "1"}, {"subsystem", "nf_conntrack"}}), 0x1a2);
  EXPECT_DOUBLE_EQ(Value(set, "node_lnstat_search_restart_total", {{"cpu", "1"}, {"subsystem", "nf_conntrack"}}),
                   12);
  EXPECT_EQ(testing::SampleCount(set, "node_lnstat_entries_total"), 4u);
  EXPECT_EQ(set.Find("node_lnstat_allocs_total")->help, "linux network cache stats");
  EXPECT_EQ(set.Find("node_lnstat_allocs_total")->type, MetricType::Counter);
}

TEST(Lnstat, NoStatDirectoryIsEmptySuccess) {
  testing::TempDir dir;
  MetricSet set;
  NewLnstatCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_TRUE(set.empty());
}

}  // namespace
}  // namespace node_agent
