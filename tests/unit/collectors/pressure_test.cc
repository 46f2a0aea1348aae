#include "collectors/pressure.h"

#include <gtest/gtest.h>

#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

TEST(PressureParse, SomeAndFullTotals) {
  auto s = ParsePsiStats(
      "some avg10=0.18 avg60=0.34 avg300=0.10 total=159886802\n"
      "full avg10=0.18 avg60=0.34 avg300=0.10 total=159229614\n");
  EXPECT_EQ(s.some_total_us, 159886802u);
  EXPECT_EQ(s.full_total_us, 159229614u);
  EXPECT_TRUE(s.malformed.empty());
}

TEST(PressureParse, IrqHasOnlyFullAndNoTrailingNewline) {
  auto s = ParsePsiStats("full avg10=0.00 avg60=0.00 avg300=0.00 total=8494");
  EXPECT_FALSE(s.some_total_us);
  EXPECT_EQ(s.full_total_us, 8494u);
}

TEST(PressureParse, MalformedAndUnknownLines) {
  auto s = ParsePsiStats(
      "some avg10=0.00 avg60=0.00 avg300=0.00 total=abc\n"
      "full avg10=0.00 avg60=0.00 total=5\n"
      "other avg10=0.00 avg60=0.00 avg300=0.00 total=1\n");
  EXPECT_FALSE(s.some_total_us);
  EXPECT_FALSE(s.full_total_us);
  EXPECT_EQ(s.malformed.size(), 2u);  // "other" is ignored, not malformed
}

TEST(Pressure, Ec2FixtureAllFourResources) {
  MetricSet set;
  NewPressureCollector(FixturePaths(testing::FixturePath("pressure/ec2")))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_pressure_cpu_waiting_seconds_total"), 91.835245);
  EXPECT_DOUBLE_EQ(Value(set, "node_pressure_io_waiting_seconds_total"), 4.729113);
  EXPECT_DOUBLE_EQ(Value(set, "node_pressure_io_stalled_seconds_total"), 3.921002);
  EXPECT_DOUBLE_EQ(Value(set, "node_pressure_memory_waiting_seconds_total"), 0.1255);
  EXPECT_DOUBLE_EQ(Value(set, "node_pressure_memory_stalled_seconds_total"), 0.06225);
  EXPECT_DOUBLE_EQ(Value(set, "node_pressure_irq_stalled_seconds_total"), 2.5);
  // node_exporter exports no cpu "full" even where the kernel has the line.
  EXPECT_EQ(set.Find("node_pressure_cpu_stalled_seconds_total"), nullptr);
  EXPECT_EQ(set.families().size(), 6u);
  EXPECT_EQ(set.Find("node_pressure_io_stalled_seconds_total")->type, MetricType::Counter);
}

TEST(Pressure, KernelWithoutIrqPressure) {
  MetricSet set;
  NewPressureCollector(FixturePaths(testing::FixturePath("pressure/kernel5_10")))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_pressure_cpu_waiting_seconds_total"), 7.5);
  EXPECT_EQ(set.Find("node_pressure_irq_stalled_seconds_total"), nullptr);
  EXPECT_EQ(set.families().size(), 5u);
}

TEST(Pressure, NoPressureDirectoryIsNoData) {
  testing::TempDir dir;
  dir.Write("proc/loadavg", "0 0 0 1/1 1\n");
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewPressureCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
  EXPECT_TRUE(set.empty());
}

TEST(Pressure, MalformedLineSkipsOnlyThatResourceAndLogsOnce) {
  testing::TempDir dir;
  dir.Write("proc/pressure/cpu", "some avg10=0.00 avg60=0.00 avg300=0.00 total=2000000\n");
  dir.Write("proc/pressure/io", "some avg10=0.00 avg60=0.00 avg300=0.00 total=oops\n"
                                "full avg10=0.00 avg60=0.00 avg300=0.00 total=1\n");
  dir.Write("proc/pressure/memory", "some avg10=0.00 avg60=0.00 avg300=0.00 total=3000000\n"
                                    "full avg10=0.00 avg60=0.00 avg300=0.00 total=1000000\n");
  auto c = NewPressureCollector(FixturePaths(dir.path()));
  testing::LogCapture logs;
  for (int i = 0; i < 2; ++i) {
    MetricSet set;
    c->Collect(set);
    EXPECT_DOUBLE_EQ(Value(set, "node_pressure_cpu_waiting_seconds_total"), 2);
    EXPECT_DOUBLE_EQ(Value(set, "node_pressure_memory_stalled_seconds_total"), 1);
    EXPECT_EQ(set.Find("node_pressure_io_waiting_seconds_total"), nullptr);
    EXPECT_EQ(set.Find("node_pressure_io_stalled_seconds_total"), nullptr);
  }
  EXPECT_EQ(logs.Warnings("pressure"), 1u);
}

}  // namespace
}  // namespace node_agent
