// The Scraper: per-collector success and duration, partial output of a
// failing collector, collect[]/exclude[] filters.
#include <gtest/gtest.h>

#include <algorithm>

#include "agent/scrape.h"
#include "lib/scrape_scope.h"
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

std::vector<EncodedFamily> Families(std::initializer_list<std::pair<const char*, const char*>> name_samples) {
  std::vector<EncodedFamily> out;
  for (const auto& [name, samples] : name_samples) {
    EncodedFamily& f = out.emplace_back();
    f.name = name;
    f.samples = samples;
    f.count = 1;
  }
  return out;
}

std::vector<std::string> Text(const std::vector<EncodedFamily>& families) {
  std::vector<std::string> out;
  for (const auto& f : families) out.push_back(f.name + ":" + f.samples + ":" + std::to_string(f.count));
  return out;
}

TEST(MergeSortedFamilies, SortsAndJoinsSameNamesInOrder) {
  auto families = Families({{"node_b", "b1"}, {"node_a", "a1"}, {"node_b", "b2"}, {"node_c", "c1"}});
  MergeSortedFamilies(families);
  EXPECT_EQ(Text(families), (std::vector<std::string>{"node_a:a1:1", "node_b:b1b2:2", "node_c:c1:1"}));
}

// The cached order is what a sort gives, for the same names and after they change.
TEST(MergeSortedFamilies, CachedOrderFollowsTheNames) {
  FamilyOrderCache cache;
  for (int scrape = 0; scrape < 2; ++scrape) {
    auto families = Families({{"node_b", "b1"}, {"node_a", "a1"}, {"node_b", "b2"}});
    MergeSortedFamilies(families, &cache);
    EXPECT_EQ(Text(families), (std::vector<std::string>{"node_a:a1:1", "node_b:b1b2:2"})) << scrape;
  }
  // Same count, other names: sorted again, not last time's order.
  auto families = Families({{"node_a", "a1"}, {"node_c", "c1"}, {"node_b", "b1"}});
  MergeSortedFamilies(families, &cache);
  EXPECT_EQ(Text(families), (std::vector<std::string>{"node_a:a1:1", "node_b:b1:1", "node_c:c1:1"}));
  families = Families({{"node_z", "z1"}});
  MergeSortedFamilies(families, &cache);
  EXPECT_EQ(Text(families), (std::vector<std::string>{"node_z:z1:1"}));
  families.clear();
  MergeSortedFamilies(families, &cache);
  EXPECT_TRUE(families.empty());
}


// Records the scrape its Collect runs for.
class ScrapeRecorder : public Collector {
 public:
  explicit ScrapeRecorder(std::vector<uint64_t>* seen) : seen_(seen) {}
  void Collect(MetricSet&) override { seen_->push_back(ThisScrape()); }

 private:
  std::vector<uint64_t>* seen_;
};

// The collectors of one scrape run in one ScrapeScope, another scrape's in
// another; the scraping thread itself is in none.
TEST(Scraper, CollectorsOfOneScrapeShareItsNumber) {
  std::vector<uint64_t> seen;
  std::vector<Scraper::Named> c;
  c.push_back({"a", std::make_unique<ScrapeRecorder>(&seen)});
  c.push_back({"b", std::make_unique<ScrapeRecorder>(&seen)});
  Scraper scraper(std::move(c), {});
  std::vector<EncodedFamily> fams;
  std::string error;
  ASSERT_TRUE(scraper.Scrape({}, {}, fams, error));
  ASSERT_TRUE(scraper.Scrape({}, {}, fams, error));
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_NE(seen[0], 0u);
  EXPECT_EQ(seen[0], seen[1]);
  EXPECT_EQ(seen[2], seen[3]);
  EXPECT_NE(seen[0], seen[2]);
  EXPECT_EQ(ThisScrape(), 0u);
}
}  // namespace
}  // namespace node_agent
