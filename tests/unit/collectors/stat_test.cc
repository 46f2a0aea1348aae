#include "collectors/stat.h"

#include <gtest/gtest.h>

#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::Value;

TEST(StatParse, ReadsCountersAndSoftirqs) {
  auto s = ParseProcStat(
      "cpu  1 2 3 4\n"
      "intr 8885917 17 0 0 9\n"
      "ctxt 38014093\n"
      "btime 1418183276\n"
      "processes 26442\n"
      "procs_running 2\n"
      "procs_blocked 0\n"
      "softirq 5057579 250191 1481983 1647 211099 186066 0 1783454 622196 12499 508444\n");
  EXPECT_EQ(s.intr_total, 8885917u);
  EXPECT_EQ(s.context_switches, 38014093u);
  EXPECT_EQ(s.boot_time, 1418183276u);
  EXPECT_EQ(s.forks, 26442u);
  EXPECT_EQ(s.procs_running, 2u);
  EXPECT_EQ(s.procs_blocked, 0u);
  ASSERT_TRUE(s.softirq);
  EXPECT_EQ((*s.softirq)[0], 250191u);  // hi
  EXPECT_EQ((*s.softirq)[9], 508444u);  // rcu
  EXPECT_TRUE(s.malformed.empty());
}

TEST(StatParse, MalformedLinesAreSkipped) {
  auto s = ParseProcStat(
      "intr x 1 2\n"
      "ctxt 5\n"
      "btime\n"
      "procs_running -1\n"
      "softirq 10 1 2 3\n");
  EXPECT_FALSE(s.intr_total);
  EXPECT_EQ(s.context_switches, 5u);
  EXPECT_FALSE(s.boot_time);  // no value at all: not even a separator
  EXPECT_FALSE(s.procs_running);
  EXPECT_FALSE(s.softirq);
  EXPECT_EQ(s.malformed, (std::vector<std::string>{"intr", "procs_running", "softirq"}));
}

TEST(Stat, Ec2FixtureWithoutSoftirq) {
  MetricSet set;
  NewStatCollector(FixturePaths(testing::FixturePath("stat/ec2")), {})->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_intr_total"), 203481766);
  EXPECT_DOUBLE_EQ(Value(set, "node_context_switches_total"), 412903187);
  EXPECT_DOUBLE_EQ(Value(set, "node_forks_total"), 1907372);
  EXPECT_DOUBLE_EQ(Value(set, "node_boot_time_seconds"), 1718000000);
  EXPECT_DOUBLE_EQ(Value(set, "node_procs_running"), 3);
  EXPECT_DOUBLE_EQ(Value(set, "node_procs_blocked"), 1);
  EXPECT_EQ(set.Find("node_intr_total")->type, MetricType::Counter);
  EXPECT_EQ(set.Find("node_boot_time_seconds")->type, MetricType::Gauge);
  EXPECT_EQ(set.Find("node_softirqs_total"), nullptr);
}

TEST(Stat, SoftirqFlagAddsVectorsSortedByName) {
  MetricSet set;
  NewStatCollector(FixturePaths(testing::FixturePath("stat/ec2")), {.softirq = true})->Collect(set);
  ASSERT_EQ(SampleCount(set, "node_softirqs_total"), 10u);
  EXPECT_DOUBLE_EQ(Value(set, "node_softirqs_total", {{"vector", "timer"}}), 23371090);
  EXPECT_DOUBLE_EQ(Value(set, "node_softirqs_total", {{"vector", "net_rx"}}), 4311275);
  EXPECT_DOUBLE_EQ(Value(set, "node_softirqs_total", {{"vector", "block_iopoll"}}), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_softirqs_total", {{"vector", "rcu"}}), 27220406);
  const auto m = testing::Find(set, "node_softirqs_total")->metric;
  EXPECT_EQ(m.front().label[0].value, "block");
  EXPECT_EQ(m.back().label[0].value, "timer");
}

TEST(Stat, MalformedLineSkippedAndLoggedOnce) {
  testing::TempDir dir;
  dir.Write("proc/stat", "intr 100 0\nctxt zz\nbtime 1700000000\nprocesses 7\nprocs_running 1\nprocs_blocked 0\n");
  auto c = NewStatCollector(FixturePaths(dir.path()), {});
  testing::LogCapture logs;
  for (int i = 0; i < 3; ++i) {
    MetricSet set;
    c->Collect(set);
    EXPECT_DOUBLE_EQ(Value(set, "node_intr_total"), 100);
    EXPECT_EQ(set.Find("node_context_switches_total"), nullptr);
  }
  EXPECT_EQ(logs.Warnings("ctxt"), 1u);
}

TEST(Stat, MissingFileFails) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_THROW(NewStatCollector(FixturePaths(dir.path()), {})->Collect(set), std::runtime_error);
}

}  // namespace
}  // namespace node_agent
