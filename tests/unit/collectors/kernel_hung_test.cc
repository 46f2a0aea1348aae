#include "collectors/kernel_hung.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

TEST(KernelHungParse, NumberWithNewline) {
  EXPECT_EQ(ParseKernelHung("42\n"), 42u);
  EXPECT_EQ(ParseKernelHung("  0 \n"), 0u);
  EXPECT_FALSE(ParseKernelHung(""));
  EXPECT_FALSE(ParseKernelHung("-1\n"));
  EXPECT_FALSE(ParseKernelHung("4 2\n"));
}

TEST(KernelHung, Fixture) {
  MetricSet set;
  NewKernelHungCollector(FixturePaths(testing::FixturePath("kernel_hung")))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_kernel_hung_tasks_total"), 3);
  EXPECT_EQ(set.Find("node_kernel_hung_tasks_total")->type, MetricType::Counter);
}

TEST(KernelHung, MissingFileIsNoData) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewKernelHungCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
}

TEST(KernelHung, GarbageFails) {
  testing::TempDir dir;
  dir.Write("proc/sys/kernel/hung_task_detect_count", "x\n");
  MetricSet set;
  auto c = NewKernelHungCollector(FixturePaths(dir.path()));
  EXPECT_EQ(RunCollect(*c, set).status, CollectStatus::kFailed) << "garbage is an error, not ErrNoData";
  EXPECT_TRUE(set.empty());
}

}  // namespace
}  // namespace node_agent
