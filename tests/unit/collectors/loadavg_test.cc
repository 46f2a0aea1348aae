#include "collectors/loadavg.h"

#include <gtest/gtest.h>

#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

TEST(LoadavgParse, FirstThreeFields) {
  auto loads = ParseLoadavg("0.21 0.37 0.39 1/719 19737\n");
  ASSERT_TRUE(loads);
  EXPECT_DOUBLE_EQ((*loads)[0], 0.21);
  EXPECT_DOUBLE_EQ((*loads)[1], 0.37);
  EXPECT_DOUBLE_EQ((*loads)[2], 0.39);
}

TEST(LoadavgParse, RejectsShortOrNonNumeric) {
  EXPECT_FALSE(ParseLoadavg(""));
  EXPECT_FALSE(ParseLoadavg("0.21 0.37\n"));
  EXPECT_FALSE(ParseLoadavg("0.21 x 0.39 1/719 19737\n"));
}

TEST(Loadavg, Ec2Fixture) {
  MetricSet set;
  NewLoadavgCollector(FixturePaths(testing::FixturePath("loadavg/ec2")))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_load1"), 1.52);
  EXPECT_DOUBLE_EQ(Value(set, "node_load5"), 0.87);
  EXPECT_DOUBLE_EQ(Value(set, "node_load15"), 0.43);
  ASSERT_NE(set.Find("node_load1"), nullptr);
  EXPECT_EQ(set.Find("node_load1")->type, MetricType::Gauge);
  EXPECT_EQ(set.Find("node_load15")->help, "15m load average.");
}

TEST(Loadavg, MalformedFailsAndLogsOnce) {
  testing::TempDir dir;
  dir.Write("proc/loadavg", "garbage\n");
  auto c = NewLoadavgCollector(FixturePaths(dir.path()));
  testing::LogCapture logs;
  for (int i = 0; i < 2; ++i) {
    MetricSet set;
    EXPECT_THROW(c->Collect(set), std::runtime_error);
    EXPECT_TRUE(set.empty());
  }
  EXPECT_EQ(logs.Warnings("loadavg"), 1u);
  // Recovers when the content is good again: the file is re-read each scrape.
  dir.Write("proc/loadavg", "0.5 0.25 0.125 1/2 3\n");
  MetricSet set;
  c->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_load15"), 0.125);
}

TEST(Loadavg, MissingFileFails) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_THROW(NewLoadavgCollector(FixturePaths(dir.path()))->Collect(set), std::runtime_error);
}

}  // namespace
}  // namespace node_agent
