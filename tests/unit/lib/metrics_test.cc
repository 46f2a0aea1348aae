// MetricSet: samples grouped by family in first-seen order.
#include "lib/metrics.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

TEST(MetricSet, GroupsSamplesByFamily) {
  MetricSet set;
  set.Gauge("node_a", "A.", {{"x", "1"}}, 1);
  set.Counter("node_b_total", "B.", {}, 2);
  set.Gauge("node_a", "A.", {{"x", "2"}}, 3);
  ASSERT_EQ(set.families().size(), 2u);
  EXPECT_EQ(testing::SampleCount(set, "node_a"), 2u);
  EXPECT_EQ(testing::Value(set, "node_a", {{"x", "2"}}), 3);
  EXPECT_EQ(testing::Value(set, "node_b_total"), 2);
  EXPECT_NE(testing::Serialize(set).find("# TYPE node_b_total counter"), std::string::npos);
  auto taken = set.Take();
  EXPECT_EQ(taken.size(), 2u);
  EXPECT_TRUE(set.empty());
  EXPECT_EQ(set.Find("node_a"), nullptr);
}

// Enough families to grow the name index several times, added interleaved:
// every sample still lands in its own family, in first-seen order.
TEST(MetricSet, ManyFamiliesInterleaved) {
  MetricSet set;
  constexpr int kFamilies = 1000;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kFamilies; ++i) {
      set.Gauge("node_f" + std::to_string(i), "F.", {{"round", std::to_string(round)}}, i);
    }
  }
  ASSERT_EQ(set.families().size(), static_cast<size_t>(kFamilies));
  for (int i = 0; i < kFamilies; i += 97) {
    std::string name = "node_f" + std::to_string(i);
    EXPECT_EQ(set.families()[i].name, name);
    EXPECT_EQ(testing::SampleCount(set, name), 3u);
    EXPECT_EQ(testing::Value(set, name, {{"round", "2"}}), i);
  }
  EXPECT_EQ(set.Find("node_f1000"), nullptr);
  set.Take();
  set.Counter("node_again_total", "A.", {}, 1);
  EXPECT_EQ(set.families().size(), 1u);
  EXPECT_EQ(testing::Value(set, "node_again_total"), 1);
}

}  // namespace
}  // namespace node_agent
