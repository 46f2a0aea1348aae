#include "collectors/conntrack.h"

#include <gtest/gtest.h>

#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

constexpr const char* kHeader =
    "entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  "
    "expect_new expect_create expect_delete search_restart\n";

TEST(ConntrackParse, SumsEveryCpu) {
  std::vector<std::string> skipped;
  auto s = ParseConntrackStat(std::string(kHeader) +
                                  "00000021 0 1 0 3 588a 0 0 8 9 a b 0 0 0 0 2\n"
                                  "00000021 0 2 0 1 0001 0 0 1 1 1 1 0 0 0 0 5\n",
                              skipped);
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(s.found, 3u);
  EXPECT_EQ(s.invalid, 4u);
  EXPECT_EQ(s.ignore, 0x588bu);
  EXPECT_EQ(s.insert, 9u);
  EXPECT_EQ(s.insert_failed, 10u);
  EXPECT_EQ(s.drop, 11u);
  EXPECT_EQ(s.early_drop, 12u);
  EXPECT_EQ(s.search_restart, 7u);
}

TEST(ConntrackParse, SixteenColumnsHaveNoSearchRestart) {
  std::vector<std::string> skipped;
  auto s = ParseConntrackStat(std::string(kHeader) + "1 2 3 4 5 6 7 8 9 a b c d e f 10\n", skipped);
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(s.found, 3u);
  EXPECT_EQ(s.early_drop, 0xcu);
  EXPECT_EQ(s.search_restart, 0u);
}

TEST(ConntrackParse, SkipsMalformedLinesKeepsOthers) {
  std::vector<std::string> skipped;
  auto s = ParseConntrackStat(std::string(kHeader) +
                                  "1 2 3\n"                                  // too short
                                  "1 2 3 4 5 6 7 8 9 a b c d e f 10 11 12\n"  // too long
                                  "1 2 zz 4 5 6 7 8 9 a b c d e f 10 11\n"    // not hex
                                  "1 2 3 4 5 6 7 8 9 a b c d e f 10 11\n\n",
                              skipped);
  EXPECT_EQ(skipped.size(), 3u);
  EXPECT_EQ(s.found, 3u);
  EXPECT_EQ(s.search_restart, 0x11u);
}

TEST(ConntrackParse, HeaderOnlyOrEmpty) {
  std::vector<std::string> skipped;
  EXPECT_EQ(ParseConntrackStat("", skipped).found, 0u);
  EXPECT_EQ(ParseConntrackStat(kHeader, skipped).found, 0u);
  EXPECT_TRUE(skipped.empty());
}

TEST(Conntrack, Fixture) {
  MetricSet set;
  NewConntrackCollector(FixturePaths(testing::FixturePath("conntrack")))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_nf_conntrack_entries"), 418);
  EXPECT_DOUBLE_EQ(Value(set, "node_nf_conntrack_entries_limit"), 262144);
  EXPECT_DOUBLE_EQ(Value(set, "node_nf_conntrack_stat_found"), 5);
  EXPECT_DOUBLE_EQ(Value(set, "node_nf_conntrack_stat_invalid"), 0x30);
  EXPECT_DOUBLE_EQ(Value(set, "node_nf_conntrack_stat_ignore"), 0x1500);
  EXPECT_DOUBLE_EQ(Value(set, "node_nf_conntrack_stat_insert"), 6);
  EXPECT_DOUBLE_EQ(Value(set, "node_nf_conntrack_stat_insert_failed"), 2);
  EXPECT_DOUBLE_EQ(Value(set, "node_nf_conntrack_stat_drop"), 2);
  EXPECT_DOUBLE_EQ(Value(set, "node_nf_conntrack_stat_early_drop"), 3);
  EXPECT_DOUBLE_EQ(Value(set, "node_nf_conntrack_stat_search_restart"), 16);
  EXPECT_EQ(set.Find("node_nf_conntrack_stat_found")->type, MetricType::Gauge);
}

TEST(Conntrack, NotLoadedIsNoData) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewConntrackCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
  EXPECT_TRUE(set.empty());
}

TEST(Conntrack, MissingStatFileKeepsTableGauges) {
  testing::TempDir dir;
  dir.Write("proc/sys/net/netfilter/nf_conntrack_count", "7\n");
  dir.Write("proc/sys/net/netfilter/nf_conntrack_max", "100\n");
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewConntrackCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
  EXPECT_DOUBLE_EQ(Value(set, "node_nf_conntrack_entries"), 7);
  EXPECT_DOUBLE_EQ(Value(set, "node_nf_conntrack_entries_limit"), 100);
  EXPECT_EQ(set.Find("node_nf_conntrack_stat_found"), nullptr);
}

TEST(Conntrack, BadCountFails) {
  testing::TempDir dir;
  dir.Write("proc/sys/net/netfilter/nf_conntrack_count", "seven\n");
  MetricSet set;
  auto c = NewConntrackCollector(FixturePaths(dir.path()));
  EXPECT_THROW(c->Collect(set), std::runtime_error);
  EXPECT_EQ(RunCollect(*c, set).status, CollectStatus::kFailed) << "a bad number is an error, not ErrNoData";
}

TEST(Conntrack, MalformedStatLineLoggedOnce) {
  testing::TempDir dir;
  dir.Write("proc/sys/net/netfilter/nf_conntrack_count", "7\n");
  dir.Write("proc/sys/net/netfilter/nf_conntrack_max", "100\n");
  dir.Write("proc/net/stat/nf_conntrack", std::string(kHeader) + "garbage\n1 2 3 4 5 6 7 8 9 a b c d e f 10 11\n");
  auto c = NewConntrackCollector(FixturePaths(dir.path()));
  testing::LogCapture logs;
  for (int i = 0; i < 2; ++i) {
    MetricSet set;
    c->Collect(set);
    EXPECT_DOUBLE_EQ(Value(set, "node_nf_conntrack_stat_found"), 3);
  }
  EXPECT_EQ(logs.Warnings("conntrack"), 1u);
}

}  // namespace
}  // namespace node_agent
