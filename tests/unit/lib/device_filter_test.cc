// node_exporter 1.12's include/exclude flag rules, pair by pair (collector/
// diskstats_common.go, filesystem_common.go, netdev_common.go, qdisc_linux.go,
// hwmon_linux.go, arp_linux.go).
#include "lib/device_filter.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "lib/log.h"

namespace node_agent {
namespace {

constexpr char kDiskDefault[] = "^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$";

// diskstats/filesystem: an exclude with a default and a deprecated exclude alias.
constexpr FilterFlagNames kDefaulted{.exclude = "collector.diskstats.device-exclude",
                                     .include = "collector.diskstats.device-include",
                                     .old_exclude = "collector.diskstats.ignored-devices",
                                     .exclude_has_default = true};
// netdev/qdisc: no defaults, aliases for both.
constexpr FilterFlagNames kAliased{.exclude = "collector.netdev.device-exclude",
                                   .include = "collector.netdev.device-include",
                                   .old_exclude = "collector.netdev.device-blacklist",
                                   .old_include = "collector.netdev.device-whitelist"};
// hwmon/arp/infiniband: both may be set.
constexpr FilterFlagNames kBoth{.exclude = "collector.hwmon.chip-exclude",
                                .include = "collector.hwmon.chip-include",
                                .exclusive = false};

class FilterFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override { log::CaptureForTest(&logs_); }
  void TearDown() override { log::CaptureForTest(nullptr); }
  std::vector<std::string> logs_;
};

TEST_F(FilterFlagsTest, DefaultExcludeApplies) {
  auto f = ResolveFilterFlags(kDefaulted, {.exclude = kDiskDefault});
  EXPECT_TRUE(f.Ignored("loop0"));
  EXPECT_TRUE(f.Ignored("nvme0n1p1"));
  EXPECT_FALSE(f.Ignored("nvme0n1"));
}

TEST_F(FilterFlagsTest, IncludeAloneDropsTheDefaultExclude) {
  auto f = ResolveFilterFlags(kDefaulted, {.exclude = kDiskDefault, .include = "^nvme"});
  EXPECT_FALSE(f.Ignored("nvme0n1p1"));  // the default would have excluded it
  EXPECT_TRUE(f.Ignored("sda"));
}

TEST_F(FilterFlagsTest, IncludeWithGivenEmptyExcludeIsAccepted) {
  auto f = ResolveFilterFlags(kDefaulted, {.exclude = "", .exclude_given = true, .include = "^sd"});
  EXPECT_FALSE(f.Ignored("sda1"));
}

TEST_F(FilterFlagsTest, IncludeWithGivenExcludeIsAnError) {
  EXPECT_THROW(ResolveFilterFlags(kDefaulted, {.exclude = "^loop", .exclude_given = true, .include = "^sd"}),
               std::invalid_argument);
  EXPECT_THROW(ResolveFilterFlags(kAliased, {.exclude = "^lo$", .include = "^eth"}), std::invalid_argument);
}

TEST_F(FilterFlagsTest, BothAppliedWhereNotExclusive) {
  auto f = ResolveFilterFlags(kBoth, {.exclude = "^coretemp$", .include = "^(coretemp|nct)"});
  EXPECT_TRUE(f.Ignored("coretemp"));
  EXPECT_FALSE(f.Ignored("nct6779"));
  EXPECT_TRUE(f.Ignored("acpitz"));
}

TEST_F(FilterFlagsTest, DeprecatedAliasReplacesItsFlagWithAWarning) {
  auto f = ResolveFilterFlags(kDefaulted, {.exclude = kDiskDefault, .old_exclude = "^sd"});
  EXPECT_TRUE(f.Ignored("sda"));
  EXPECT_FALSE(f.Ignored("loop0"));  // the alias replaced the default
  ASSERT_FALSE(logs_.empty());
  EXPECT_NE(logs_[0].find("collector.diskstats.ignored-devices is DEPRECATED"), std::string::npos) << logs_[0];

  auto g = ResolveFilterFlags(kAliased, {.old_include = "^eth"});
  EXPECT_FALSE(g.Ignored("eth0"));
  EXPECT_TRUE(g.Ignored("lo"));
}

TEST_F(FilterFlagsTest, AliasConflicts) {
  // With a default: the flag given at all, even empty, conflicts.
  EXPECT_THROW(ResolveFilterFlags(kDefaulted, {.exclude = "", .exclude_given = true, .old_exclude = "^sd"}),
               std::invalid_argument);
  // Without: only a non-empty value does.
  EXPECT_THROW(ResolveFilterFlags(kAliased, {.exclude = "^lo", .old_exclude = "^sd"}), std::invalid_argument);
  EXPECT_THROW(ResolveFilterFlags(kAliased, {.include = "^e", .old_include = "^x"}), std::invalid_argument);
  EXPECT_NO_THROW(ResolveFilterFlags(kAliased, {.exclude = "", .old_exclude = "^sd"}));
}

TEST_F(FilterFlagsTest, InvalidExpressionNamesTheFlagItCameFrom) {
  try {
    ResolveFilterFlags(kDefaulted, {.exclude = kDiskDefault, .old_exclude = "(bad"});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--collector.diskstats.ignored-devices"), std::string::npos) << e.what();
  }
}

TEST_F(FilterFlagsTest, ResolvedValuesForCollectorsThatCompileThemselves) {
  FilterFlagValues v{.exclude = kDiskDefault, .include = "^/data"};
  ResolveFilterValues(kDefaulted, v);
  EXPECT_EQ(v.exclude, "");
  EXPECT_EQ(v.include, "^/data");
}

TEST(DeviceFilter, IncludeAndExclude) {
  DeviceFilter none;
  EXPECT_FALSE(none.Ignored("eth0"));
  DeviceFilter ex("x.exclude", "^lo$", "x.include", "");
  EXPECT_TRUE(ex.Ignored("lo"));
  EXPECT_FALSE(ex.Ignored("lo0"));
  DeviceFilter in("x.exclude", "", "x.include", "eth");
  EXPECT_FALSE(in.Ignored("eth0"));
  EXPECT_TRUE(in.Ignored("wlan0"));
  EXPECT_THROW(DeviceFilter("x.exclude", "(", "x.include", ""), std::invalid_argument);
}

}  // namespace
}  // namespace node_agent
