#include "collectors/cgroups.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

TEST(CgroupsParse, Controllers) {
  std::vector<std::string> skipped;
  auto v = ParseCgroups("#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t5\t47\t1\nrdma\t4\t1\t0\n", skipped);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].subsys_name, "cpuset");
  EXPECT_EQ(v[0].hierarchy, 5);
  EXPECT_EQ(v[0].cgroups, 47);
  EXPECT_EQ(v[1].enabled, 0);
  EXPECT_TRUE(skipped.empty());
}

TEST(CgroupsParse, MalformedLinesSkipped) {
  std::vector<std::string> skipped;
  auto v = ParseCgroups("cpu 3 x 1\nmemory 7\n\nblkio 6 170 1\n", skipped);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].subsys_name, "blkio");
  EXPECT_EQ(skipped.size(), 3u);
}

TEST(Cgroups, Collect) {
  testing::TempDir dir;
  dir.Write("proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t7\t234\t1\ncpu\t3\t172\t0\n");
  MetricSet set;
  NewCgroupsCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_cgroups_cgroups", {{"subsys_name", "memory"}}), 234);
  EXPECT_DOUBLE_EQ(Value(set, "node_cgroups_enabled", {{"subsys_name", "cpu"}}), 0);
  EXPECT_EQ(testing::Find(set, "node_cgroups_enabled")->metric[0].label[0].value, "cpu");
}

TEST(Cgroups, MissingFileFails) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_THROW(NewCgroupsCollector(FixturePaths(dir.path()))->Collect(set), std::runtime_error);
}

}  // namespace
}  // namespace node_agent
