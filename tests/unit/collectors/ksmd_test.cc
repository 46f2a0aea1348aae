#include "collectors/ksmd.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

TEST(KsmdParse, Values) {
  EXPECT_EQ(ParseKsmdValue("20\n"), 20u);
  EXPECT_EQ(ParseKsmdValue(" 0 "), 0u);
  EXPECT_EQ(ParseKsmdValue("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(ParseKsmdValue("-1\n"));
  EXPECT_FALSE(ParseKsmdValue("+1\n"));
  EXPECT_FALSE(ParseKsmdValue("\n"));
  EXPECT_FALSE(ParseKsmdValue("1 2"));
}

TEST(Ksmd, Collect) {
  testing::TempDir dir;
  dir.Write("sys/kernel/mm/ksm/full_scans", "323\n");
  dir.Write("sys/kernel/mm/ksm/sleep_millisecs", "20\n");
  dir.Write("sys/kernel/mm/ksm/run", "1\n");
  MetricSet set;
  NewKsmdCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_ksmd_full_scans_total"), 323);
  EXPECT_EQ(set.Find("node_ksmd_full_scans_total")->type, MetricType::Counter);
  EXPECT_DOUBLE_EQ(Value(set, "node_ksmd_sleep_seconds"), 0.02);
  EXPECT_DOUBLE_EQ(Value(set, "node_ksmd_run"), 1);
  // Files the kernel lacks are left out.
  EXPECT_EQ(set.Find("node_ksmd_general_profit_bytes"), nullptr);
}

TEST(Ksmd, UnparsableFileFails) {
  testing::TempDir dir;
  dir.Write("sys/kernel/mm/ksm/run", "yes\n");
  MetricSet set;
  EXPECT_THROW(NewKsmdCollector(FixturePaths(dir.path()))->Collect(set), std::runtime_error);
}

TEST(Ksmd, NoKsmNoSeries) {
  testing::TempDir dir;
  MetricSet set;
  NewKsmdCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_TRUE(set.empty());
}

}  // namespace
}  // namespace node_agent
