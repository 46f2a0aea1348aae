#include "collectors/entropy.h"

#include <gtest/gtest.h>

#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

TEST(EntropyParse, Values) {
  EXPECT_EQ(ParseKernelRandomValue("3754\n"), 3754u);
  EXPECT_EQ(ParseKernelRandomValue(" 256 "), 256u);
  EXPECT_FALSE(ParseKernelRandomValue(""));
  EXPECT_FALSE(ParseKernelRandomValue("12 34\n"));
  EXPECT_FALSE(ParseKernelRandomValue("-1\n"));
}

TEST(Entropy, Ec2Fixture) {
  MetricSet set;
  NewEntropyCollector(FixturePaths(testing::FixturePath("entropy/ec2")))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_entropy_available_bits"), 3754);
  EXPECT_DOUBLE_EQ(Value(set, "node_entropy_pool_size_bits"), 4096);
  EXPECT_EQ(set.Find("node_entropy_pool_size_bits")->help, "Bits of entropy pool.");
}

TEST(Entropy, Kernel6Fixture) {
  MetricSet set;
  NewEntropyCollector(FixturePaths(testing::FixturePath("entropy/kernel6")))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_entropy_available_bits"), 256);
  EXPECT_DOUBLE_EQ(Value(set, "node_entropy_pool_size_bits"), 256);
}

TEST(Entropy, PoolSizeIsReadOnceAvailableEveryScrape) {
  testing::TempDir dir;
  dir.Write("proc/sys/kernel/random/entropy_avail", "100\n");
  dir.Write("proc/sys/kernel/random/poolsize", "4096\n");
  auto c = NewEntropyCollector(FixturePaths(dir.path()));
  dir.Write("proc/sys/kernel/random/entropy_avail", "200\n");
  dir.Write("proc/sys/kernel/random/poolsize", "1\n");
  MetricSet set;
  c->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_entropy_available_bits"), 200);
  EXPECT_DOUBLE_EQ(Value(set, "node_entropy_pool_size_bits"), 4096);
}

TEST(Entropy, MissingPoolSizeFailsAfterAvailable) {
  testing::TempDir dir;
  dir.Write("proc/sys/kernel/random/entropy_avail", "100\n");
  MetricSet set;
  EXPECT_THROW(NewEntropyCollector(FixturePaths(dir.path()))->Collect(set), std::runtime_error);
  EXPECT_DOUBLE_EQ(Value(set, "node_entropy_available_bits"), 100);
  EXPECT_EQ(set.Find("node_entropy_pool_size_bits"), nullptr);
}

TEST(Entropy, MissingOrMalformedAvailableFailsAndLogsOnce) {
  testing::TempDir dir;
  dir.Write("proc/sys/kernel/random/poolsize", "4096\n");
  auto c = NewEntropyCollector(FixturePaths(dir.path()));
  MetricSet empty;
  EXPECT_THROW(c->Collect(empty), std::runtime_error);
  EXPECT_TRUE(empty.empty());
  dir.Write("proc/sys/kernel/random/entropy_avail", "lots\n");
  testing::LogCapture logs;
  for (int i = 0; i < 2; ++i) {
    MetricSet set;
    EXPECT_THROW(c->Collect(set), std::runtime_error);
  }
  EXPECT_EQ(logs.Warnings("entropy_avail"), 1u);
}

}  // namespace
}  // namespace node_agent
