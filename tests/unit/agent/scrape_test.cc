// The Scraper: per-collector success and duration, partial output of a
// failing collector, collect[]/exclude[] filters.
#include <gtest/gtest.h>

#include <algorithm>

#include "agent/scrape.h"
#include "tests/support/scripted_collector.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::MakeScraper;

TEST(Scraper, ReportsSuccessPerCollectorAndKeepsPartialOutput) {
  Scraper scraper = MakeScraper();
  std::vector<EncodedFamily> fams;
  std::string error;
  ASSERT_TRUE(scraper.Scrape({}, {}, fams, error));
  EXPECT_EQ(testing::ScrapedValue(fams, "node_scrape_collector_success", {{"collector", "good"}}), 1);
  EXPECT_EQ(testing::ScrapedValue(fams, "node_scrape_collector_success", {{"collector", "nodata"}}), 0);
  EXPECT_EQ(testing::ScrapedValue(fams, "node_scrape_collector_success", {{"collector", "bad"}}), 0);
  EXPECT_GE(testing::ScrapedValue(fams, "node_scrape_collector_duration_seconds", {{"collector", "bad"}}), 0);
  // What a failing collector added before failing is still served.
  EXPECT_EQ(testing::ScrapedValue(fams, "node_bad", {{"k", "v"}}), 42);
  EXPECT_TRUE(std::is_sorted(fams.begin(), fams.end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));
}

TEST(Scraper, CollectAndExcludeFilter) {
  Scraper scraper = MakeScraper();
  std::vector<EncodedFamily> fams;
  std::string error;
  ASSERT_TRUE(scraper.Scrape({"good"}, {}, fams, error));
  EXPECT_EQ(testing::ScrapedValue(fams, "node_good", {{"k", "v"}}), 42);
  EXPECT_EQ(testing::ScrapedValue(fams, "node_bad", {{"k", "v"}}), -1);
  EXPECT_EQ(testing::ScrapedValue(fams, "node_scrape_collector_success", {{"collector", "bad"}}), -1);

  ASSERT_TRUE(scraper.Scrape({}, {"bad"}, fams, error));
  EXPECT_EQ(testing::ScrapedValue(fams, "node_good", {{"k", "v"}}), 42);
  EXPECT_EQ(testing::ScrapedValue(fams, "node_bad", {{"k", "v"}}), -1);

  EXPECT_FALSE(scraper.Scrape({"nonexistent"}, {}, fams, error));
  EXPECT_NE(error.find("nonexistent"), std::string::npos);
}

}  // namespace
}  // namespace node_agent
