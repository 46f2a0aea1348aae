#include "collectors/softirqs.h"

#include <gtest/gtest.h>

#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::Value;

constexpr std::string_view kSoftirqs =
    "                    CPU0       CPU1       \n"
    "          HI:          7          1\n"
    "       TIMER:     424191     108342\n"
    "      NET_TX:       2301       2430\n"
    "      NET_RX:      43066     104508\n"
    "       BLOCK:      23776      24115\n"
    "    IRQ_POLL:          0          0\n"
    "     TASKLET:        372       1899\n"
    "       SCHED:     378895     152852\n"
    "     HRTIMER:         40        346\n"
    "         RCU:     155929     146631\n";

TEST(SoftirqsParse, RowsPerCpu) {
  std::vector<std::string> skipped;
  auto s = ParseSoftirqs(kSoftirqs, skipped);
  ASSERT_TRUE(s);
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(s->counts[0], (std::vector<uint64_t>{7, 1}));            // HI
  EXPECT_EQ(s->counts[5], (std::vector<uint64_t>{0, 0}));            // IRQ_POLL
  EXPECT_EQ(s->counts[9], (std::vector<uint64_t>{155929, 146631}));  // RCU
}

TEST(SoftirqsParse, EmptyIsAnError) {
  std::vector<std::string> skipped;
  EXPECT_FALSE(ParseSoftirqs("", skipped));
  // A header alone is no error: nothing to report.
  auto s = ParseSoftirqs("   CPU0\n", skipped);
  ASSERT_TRUE(s);
  for (const auto& row : s->counts) EXPECT_TRUE(row.empty());
}

TEST(SoftirqsParse, MalformedRowSkippedOthersKept) {
  std::vector<std::string> skipped;
  auto s = ParseSoftirqs("CPU0 CPU1\nHI: 1 x\nTIMER: 5 6\nUNKNOWN: 1 2\nNET_TX:\n", skipped);
  ASSERT_TRUE(s);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0], "HI: 1 x");
  EXPECT_TRUE(s->counts[0].empty());
  EXPECT_EQ(s->counts[1], (std::vector<uint64_t>{5, 6}));
  EXPECT_TRUE(s->counts[2].empty());  // a row needs a CPU value
}

TEST(SoftirqsParse, NameMustEndInColon) {
  std::vector<std::string> skipped;
  auto s = ParseSoftirqs("CPU0\nHI 1\nHIX: 2\nTIMER:3 4\n", skipped);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->counts[0].empty());
  EXPECT_TRUE(s->counts[1].empty());  // "TIMER:3" is one word, as in procfs
}

TEST(Softirqs, CollectsEveryCpuAndType) {
  testing::TempDir dir;
  dir.Write("proc/softirqs", std::string(kSoftirqs));
  MetricSet set;
  NewSoftirqsCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_softirqs_functions_total"), 20u);
  EXPECT_EQ(Value(set, "node_softirqs_functions_total", {{"cpu", "0"}, {"type", "TIMER"}}), 424191);
  EXPECT_EQ(Value(set, "node_softirqs_functions_total", {{"cpu", "1"}, {"type", "IRQ_POLL"}}), 0);
  auto f = testing::Find(set, "node_softirqs_functions_total");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->type, MetricType::Counter);
  EXPECT_EQ(f->help, "Softirq counts per CPU.");
  // Go's order: cpu, then type, as strings.
  EXPECT_EQ(f->metric[0].label[1].value, "BLOCK");
  EXPECT_EQ(f->metric[1].label[1].value, "HI");
}

TEST(Softirqs, CpusSortedAsStrings) {
  std::string content = "CPU0 CPU1 CPU2 CPU3 CPU4 CPU5 CPU6 CPU7 CPU8 CPU9 CPU10\nHI: 0 1 2 3 4 5 6 7 8 9 10\n";
  testing::TempDir dir;
  dir.Write("proc/softirqs", content);
  MetricSet set;
  NewSoftirqsCollector(FixturePaths(dir.path()))->Collect(set);
  auto f = testing::Find(set, "node_softirqs_functions_total");
  ASSERT_TRUE(f.has_value());
  ASSERT_EQ(f->metric.size(), 11u);
  EXPECT_EQ(f->metric[1].label[0].value, "1");
  EXPECT_EQ(f->metric[2].label[0].value, "10");
  EXPECT_EQ(f->metric[2].counter.value, 10);
}

TEST(Softirqs, MissingOrEmptyFileFails) {
  testing::TempDir dir;
  MetricSet set;
  auto c = NewSoftirqsCollector(FixturePaths(dir.path()));
  EXPECT_THROW(c->Collect(set), std::runtime_error);
  dir.Write("proc/softirqs", "");
  EXPECT_THROW(c->Collect(set), std::runtime_error);
}

TEST(Softirqs, MalformedRowLoggedOnce) {
  testing::TempDir dir;
  dir.Write("proc/softirqs", "CPU0\nHI: x\nTIMER: 3\n");
  auto c = NewSoftirqsCollector(FixturePaths(dir.path()));
  testing::LogCapture logs;
  for (int i = 0; i < 2; ++i) {
    MetricSet set;
    c->Collect(set);
    EXPECT_EQ(Value(set, "node_softirqs_functions_total", {{"cpu", "0"}, {"type", "TIMER"}}), 3);
    EXPECT_EQ(SampleCount(set, "node_softirqs_functions_total"), 1u);
  }
  EXPECT_EQ(logs.Warnings("softirqs"), 1u);
}

}  // namespace
}  // namespace node_agent
