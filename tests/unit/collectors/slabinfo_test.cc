#include "collectors/slabinfo.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::Value;

constexpr const char* kSlabinfo =
    "slabinfo - version: 2.1\n"
    "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> "
    "<batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n"
    "tw_sock_TCP          704    864    256   32    2 : tunables    0    0    0 : slabdata     27     27      0\n"
    "kmalloc-8192         132    148   8192    4    8 : tunables    0    0    0 : slabdata     37     37      0\n";

TEST(SlabinfoParse, Slabs) {
  std::vector<std::string> skipped;
  auto slabs = ParseSlabinfo(kSlabinfo, skipped);
  ASSERT_EQ(slabs.size(), 2u);
  EXPECT_EQ(slabs[0].name, "tw_sock_TCP");
  EXPECT_EQ(slabs[0].active_objs, 704);
  EXPECT_EQ(slabs[0].num_objs, 864);
  EXPECT_EQ(slabs[0].obj_size, 256);
  EXPECT_EQ(slabs[0].obj_per_slab, 32);
  EXPECT_EQ(slabs[0].pages_per_slab, 2);
  EXPECT_TRUE(skipped.empty());
}

TEST(SlabinfoParse, MalformedLinesSkipped) {
  std::vector<std::string> skipped;
  auto slabs = ParseSlabinfo(
      "a 1 2 3 4 5 : tunables 0 0 0 : slabdata 1 1 0\n"
      " b 1 2 3 4 5 : tunables 0 0 0 : slabdata 1 1 0\n"   // leading blank: 17 fields
      "c 1 2 3 4 5 : tunables 0 0 0 : slabdata 1 1 x\n"    // slabdata not a number
      "d 1 2 3 4 : tunables 0 0 0 : slabdata 1 1 0\n"
      "\n",
      skipped);
  ASSERT_EQ(slabs.size(), 1u);
  EXPECT_EQ(slabs[0].name, "a");
  EXPECT_EQ(skipped.size(), 4u);
}

TEST(Slabinfo, CollectFiltered) {
  testing::TempDir dir;
  dir.Write("proc/slabinfo", kSlabinfo);
  MetricSet set;
  SlabinfoOptions options;
  options.slabs_exclude = "^kmalloc";
  NewSlabinfoCollector(FixturePaths(dir.path()), options)->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_slabinfo_object_size_bytes", {{"slab", "tw_sock_TCP"}}), 256);
  EXPECT_DOUBLE_EQ(Value(set, "node_slabinfo_pages_per_slab", {{"slab", "tw_sock_TCP"}}), 2);
  EXPECT_EQ(SampleCount(set, "node_slabinfo_objects"), 1u);

  MetricSet all;
  NewSlabinfoCollector(FixturePaths(dir.path()), SlabinfoOptions{})->Collect(all);
  EXPECT_DOUBLE_EQ(Value(all, "node_slabinfo_active_objects", {{"slab", "kmalloc-8192"}}), 132);
  EXPECT_EQ(testing::Find(all, "node_slabinfo_objects")->metric[0].label[0].value, "kmalloc-8192");

  SlabinfoOptions include;
  include.slabs_include = "TCP";
  MetricSet some;
  NewSlabinfoCollector(FixturePaths(dir.path()), include)->Collect(some);
  EXPECT_EQ(SampleCount(some, "node_slabinfo_objects"), 1u);
  EXPECT_DOUBLE_EQ(Value(some, "node_slabinfo_objects_per_slab", {{"slab", "tw_sock_TCP"}}), 32);
}

TEST(Slabinfo, BadRegexRejected) {
  SlabinfoOptions options;
  options.slabs_include = "(";
  EXPECT_THROW(NewSlabinfoCollector(Paths{}, options), std::invalid_argument);
}

TEST(Slabinfo, MissingFileFails) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_THROW(NewSlabinfoCollector(FixturePaths(dir.path()), SlabinfoOptions{})->Collect(set), std::runtime_error);
}

}  // namespace
}  // namespace node_agent
