#include "collectors/bonding.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

TEST(BondingParse, Names) {
  EXPECT_EQ(ParseBondingNames("bond0 dmz\tint\n"), (std::vector<std::string>{"bond0", "dmz", "int"}));
  EXPECT_TRUE(ParseBondingNames("\n").empty());
  EXPECT_TRUE(BondingSlaveUp("up\n"));
  EXPECT_FALSE(BondingSlaveUp("down\n"));
  EXPECT_FALSE(BondingSlaveUp("going back\n"));
  EXPECT_FALSE(BondingSlaveUp("up up\n"));
}

TEST(Bonding, Fixture) {
  MetricSet set;
  NewBondingCollector(FixturePaths(testing::FixturePath("bonding")))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_bonding_slaves", {{"master", "bond0"}}), 2);
  EXPECT_DOUBLE_EQ(Value(set, "node_bonding_active", {{"master", "bond0"}}), 1);
  // An older kernel's slave_NAME links.
  EXPECT_DOUBLE_EQ(Value(set, "node_bonding_slaves", {{"master", "bond1"}}), 2);
  EXPECT_DOUBLE_EQ(Value(set, "node_bonding_active", {{"master", "bond1"}}), 2);
  EXPECT_DOUBLE_EQ(Value(set, "node_bonding_slaves", {{"master", "bond2"}}), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_bonding_active", {{"master", "bond2"}}), 0);
  EXPECT_EQ(set.Find("node_bonding_active")->help, "Number of active slaves per bonding interface.");
}

TEST(Bonding, NoBondingIsNoData) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewBondingCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
}

TEST(Bonding, MissingSlaveStatusIsNoDataWithoutSeries) {
  testing::TempDir dir;
  dir.Write("sys/class/net/bonding_masters", "a b\n");
  dir.Write("sys/class/net/a/bonding/slaves", "\n");
  dir.Write("sys/class/net/b/bonding/slaves", "eth9\n");
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewBondingCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
  EXPECT_TRUE(set.empty());
}

TEST(Bonding, UnreadableStatusFails) {
  testing::TempDir dir;
  dir.Write("sys/class/net/bonding_masters", "a\n");
  dir.Write("sys/class/net/a/bonding/slaves", "eth0\n");
  // A directory where the file should be: read fails with EISDIR.
  std::filesystem::create_directories(dir.path() + "/sys/class/net/a/lower_eth0/bonding_slave/mii_status");
  MetricSet set;
  auto c = NewBondingCollector(FixturePaths(dir.path()));
  EXPECT_EQ(RunCollect(*c, set).status, CollectStatus::kFailed) << "an unreadable mii_status is an error";
}

}  // namespace
}  // namespace node_agent
