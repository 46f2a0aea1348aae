// MetricSet: samples grouped by family in first-seen order.
#include "lib/metrics.h"

#include "lib/family_pool.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

// Few families (found without an index), just enough to build the index,
// and enough to grow it several times, added interleaved: every sample still
// lands in its own family, in first-seen order.
TEST(MetricSet, ManyFamiliesInterleaved) {
  for (int families : {1, 8, 9, 17, 1000}) {
    SCOPED_TRACE(families);
    MetricSet set;
    for (int round = 0; round < 3; ++round) {
      for (int i = 0; i < families; ++i) {
        set.Gauge("node_f" + std::to_string(i), "F.", {{"round", std::to_string(round)}}, i);
      }
    }
    ASSERT_EQ(set.families().size(), static_cast<size_t>(families));
    for (int i = 0; i < families; i += 1 + families / 10) {
      std::string name = "node_f" + std::to_string(i);
      EXPECT_EQ(set.families()[i].name, name);
      EXPECT_EQ(testing::SampleCount(set, name), 3u);
      EXPECT_EQ(testing::Value(set, name, {{"round", "2"}}), i);
      ASSERT_NE(set.Find(name), nullptr);
    }
    EXPECT_EQ(set.Find("node_f" + std::to_string(families)), nullptr);
    set.Take();
    EXPECT_EQ(set.Find("node_f0"), nullptr);
    set.Counter("node_again_total", "A.", {}, 1);
    EXPECT_EQ(set.families().size(), 1u);
    EXPECT_EQ(testing::Value(set, "node_again_total"), 1);
  }
}

// A family drawn from the pool starts empty under its new name, help and
// type, whatever the recycled one held; a huge family is not kept.
TEST(MetricSet, RecycledFamiliesStartEmpty) {
  MetricSet first;
  first.Counter("node_old_total", "Old help.", {{"device", "sda"}}, 7);
  first.Gauge("node_huge", "Huge.", {{"v", std::string(64 << 10, 'x')}}, 1);
  auto families = first.Take();
  RecycleFamilies(families);
  EXPECT_TRUE(families.empty());

  MetricSet second;
  second.Gauge("node_new", "New help.", {{"x", "1"}}, 2);
  second.Untyped("node_other", "", {}, 3);
  auto fam = testing::Find(second, "node_new");
  ASSERT_TRUE(fam.has_value());
  EXPECT_EQ(fam->help, "New help.");
  EXPECT_EQ(fam->type, MetricType::Gauge);
  EXPECT_EQ(testing::SampleCount(second, "node_new"), 1u);
  EXPECT_EQ(testing::Value(second, "node_new", {{"x", "1"}}), 2);
  EXPECT_EQ(testing::SampleCount(second, "node_other"), 1u);
  EXPECT_EQ(testing::Serialize(second),
            "# HELP node_new New help.\n# TYPE node_new gauge\nnode_new{x=\"1\"} 2\n"
            "# TYPE node_other untyped\nnode_other 3\n");
  for (const auto& f : second.families()) {
    EXPECT_LT(f.samples.capacity(), size_t{64 << 10}) << f.name << " reused the huge family's text";
  }
}

}  // namespace
}  // namespace node_agent
