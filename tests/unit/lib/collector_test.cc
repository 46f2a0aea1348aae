// RunCollect: how a Collect call's outcome is told apart (the scrape's
// node_scrape_collector_success and log level follow from it).
#include <gtest/gtest.h>

#include "lib/collector.h"
#include "tests/support/scripted_collector.h"

namespace node_agent {
namespace {

using testing::ScriptedCollector;

CollectResult RunScripted(ScriptedCollector::Mode mode, MetricSet& set) {
  ScriptedCollector c("node_test", mode);
  return RunCollect(c, set);
}

TEST(RunCollect, OkKeepsSamples) {
  MetricSet set;
  CollectResult r = RunScripted(ScriptedCollector::Mode::kOk, set);
  EXPECT_EQ(r.status, CollectStatus::kOk);
  EXPECT_EQ(r.message, "");
  EXPECT_NE(set.Find("node_test"), nullptr);
}

TEST(RunCollect, MarkedNoDataKeepsEarlierSamples) {
  MetricSet set;
  CollectResult r = RunScripted(ScriptedCollector::Mode::kNoData, set);
  EXPECT_EQ(r.status, CollectStatus::kNoData);
  EXPECT_EQ(r.message, "nothing here");
  EXPECT_NE(set.Find("node_test"), nullptr);
}

TEST(RunCollect, ThrownNoDataIsTheSameOutcome) {
  MetricSet set;
  CollectResult r = RunScripted(ScriptedCollector::Mode::kNoDataThrown, set);
  EXPECT_EQ(r.status, CollectStatus::kNoData);
  EXPECT_EQ(r.message, "nothing here either");
  EXPECT_NE(set.Find("node_test"), nullptr);
}

TEST(RunCollect, OtherExceptionFails) {
  MetricSet set;
  CollectResult r = RunScripted(ScriptedCollector::Mode::kError, set);
  EXPECT_EQ(r.status, CollectStatus::kFailed);
  EXPECT_EQ(r.message, "broken");
}

// The mark belongs to one collection: Take() hands the set to the next one clean.
TEST(RunCollect, TakeClearsTheNoDataMark) {
  MetricSet set;
  set.SetNoData("absent");
  EXPECT_TRUE(set.no_data());
  set.Take();
  EXPECT_FALSE(set.no_data());
  EXPECT_EQ(set.no_data_reason(), "");
}

}  // namespace
}  // namespace node_agent
