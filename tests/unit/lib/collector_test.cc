// RunCollect: how a Collect call's outcome is told apart (the scrape's
// node_scrape_collector_success and log level follow from it).
#include <gtest/gtest.h>

#include "lib/collector.h"
#include "tests/support/scripted_collector.h"

namespace node_agent {
namespace {

using testing::ScriptedCollector;

// Each way a Collect call ends; the gauge the scripted collector adds first is
// served whatever the outcome.
TEST(RunCollect, TellsOutcomesApartAndKeepsSamples) {
  struct Case {
    ScriptedCollector::Mode mode;
    CollectStatus status;
    std::string message;
  };
  const Case cases[] = {
      {ScriptedCollector::Mode::kOk, CollectStatus::kOk, ""},
      {ScriptedCollector::Mode::kNoData, CollectStatus::kNoData, "nothing here"},
      {ScriptedCollector::Mode::kNoDataThrown, CollectStatus::kNoData, "nothing here either"},
      {ScriptedCollector::Mode::kError, CollectStatus::kFailed, "broken"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    ScriptedCollector collector("node_test", c.mode);
    MetricSet set;
    CollectResult r = RunCollect(collector, set);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.message, c.message);
    EXPECT_NE(set.Find("node_test"), nullptr);
  }
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
