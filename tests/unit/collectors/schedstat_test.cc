#include "collectors/schedstat.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::Value;

constexpr std::string_view kSchedstat =
    "version 15\n"
    "timestamp 15819019232\n"
    "cpu0 498494191 0 3533438552 2553969831 3853684107 2465731542 2045936778163039 343796328169361 4767485306\n"
    "domain0 00000000,00000003 212499247 210112015 1861015 1860405436 536440 369895 32599 210079416\n"
    "cpu1 518377256 0 4155211005 2778589869 10466382 2867629021 1904686152592476 364107263788241 5145567945\n";

TEST(SchedstatParse, CpuLines) {
  std::vector<std::string> skipped;
  auto cpus = ParseSchedstat(kSchedstat, skipped);
  ASSERT_EQ(cpus.size(), 2u);
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(cpus[0].cpu, "0");
  EXPECT_EQ(cpus[0].running_ns, 2045936778163039u);
  EXPECT_EQ(cpus[0].waiting_ns, 343796328169361u);
  EXPECT_EQ(cpus[0].timeslices, 4767485306u);
  EXPECT_EQ(cpus[1].cpu, "1");
}

TEST(SchedstatParse, RegexSemantics) {
  std::vector<std::string> skipped;
  // Eight numbers are too few; two spaces break the match; extra trailing
  // fields and a prefix before "cpu" are fine, as with procfs's unanchored regex.
  auto cpus = ParseSchedstat(
      "cpu2 1 2 3 4 5 6 7 8\n"
      "cpu3 1 2 3 4 5 6 7  8 9\n"
      "cpu4 1 2 3 4 5 6 7 8 9 10 11\n"
      "xcpu5 1 2 3 4 5 6 7 8 9\n"
      "cpu cpu6 1 2 3 4 5 6 70 80 90\n",
      skipped);
  ASSERT_EQ(cpus.size(), 3u);
  EXPECT_EQ(cpus[0].cpu, "4");
  EXPECT_EQ(cpus[0].running_ns, 7u);
  EXPECT_EQ(cpus[0].timeslices, 9u);
  EXPECT_EQ(cpus[1].cpu, "5");
  EXPECT_EQ(cpus[2].cpu, "6");
  EXPECT_EQ(cpus[2].waiting_ns, 80u);
  EXPECT_TRUE(skipped.empty());
}

TEST(SchedstatParse, OverflowSkipped) {
  std::vector<std::string> skipped;
  auto cpus = ParseSchedstat("cpu0 1 2 3 4 5 6 99999999999999999999 8 9\ncpu1 1 2 3 4 5 6 7 8 9\n", skipped);
  ASSERT_EQ(cpus.size(), 1u);
  EXPECT_EQ(cpus[0].cpu, "1");
  ASSERT_EQ(skipped.size(), 1u);
}

TEST(Schedstat, SecondsAndTimeslices) {
  testing::TempDir dir;
  dir.Write("proc/schedstat", std::string(kSchedstat));
  MetricSet set;
  NewSchedstatCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_schedstat_running_seconds_total", {{"cpu", "0"}}), 2045936.778163039);
  EXPECT_DOUBLE_EQ(Value(set, "node_schedstat_waiting_seconds_total", {{"cpu", "1"}}), 364107.263788241);
  EXPECT_EQ(Value(set, "node_schedstat_timeslices_total", {{"cpu", "1"}}), 5145567945);
  ASSERT_NE(set.Find("node_schedstat_timeslices_total"), nullptr);
  EXPECT_EQ(set.Find("node_schedstat_timeslices_total")->type, MetricType::Counter);
  EXPECT_EQ(set.Find("node_schedstat_timeslices_total")->help, "Number of timeslices executed by CPU.");
}

TEST(Schedstat, MissingFileIsNoData) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewSchedstatCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
}

}  // namespace
}  // namespace node_agent
