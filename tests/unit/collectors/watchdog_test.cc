#include "collectors/watchdog.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::SampleCount;
using testing::TempDir;
using testing::Value;

TEST(WatchdogParse, Attributes) {
  Watchdog wd;
  EXPECT_TRUE(SetWatchdogAttribute(wd, "bootstatus", "1"));
  EXPECT_TRUE(SetWatchdogAttribute(wd, "options", "0x8380"));
  EXPECT_TRUE(SetWatchdogAttribute(wd, "fw_version", "0x2"));
  EXPECT_TRUE(SetWatchdogAttribute(wd, "identity", "Software Watchdog"));
  EXPECT_TRUE(SetWatchdogAttribute(wd, "timeout", "60"));
  EXPECT_FALSE(SetWatchdogAttribute(wd, "timeleft", "sixty"));
  EXPECT_FALSE(SetWatchdogAttribute(wd, "uevent", "x"));
  EXPECT_EQ(wd.bootstatus, 1);
  EXPECT_EQ(wd.fw_version, 2);
  EXPECT_EQ(wd.options, "0x8380");
  EXPECT_EQ(wd.timeout, 60);
  EXPECT_FALSE(wd.timeleft);
}

TEST(WatchdogCollector, Devices) {
  TempDir dir;
  const std::string w = "sys/class/watchdog/watchdog0/";
  dir.Write(w + "bootstatus", "1\n");
  dir.Write(w + "fw_version", "2\n");
  dir.Write(w + "identity", "Software Watchdog\n");
  dir.Write(w + "nowayout", "0\n");
  dir.Write(w + "options", "0x8380\n");
  dir.Write(w + "pretimeout", "120\n");
  dir.Write(w + "pretimeout_governor", "noop\n");
  dir.Write(w + "state", "active\n");
  dir.Write(w + "status", "0x8000\n");
  dir.Write(w + "timeleft", "300\n");
  dir.Write(w + "timeout", "60\n");
  dir.Write(w + "access_cs0", "0\n");
  std::filesystem::create_directories(dir.path() + "/sys/class/watchdog/watchdog1");
  auto c = NewWatchdogCollector(testing::FixturePaths(dir.path()));
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Value(set, "node_watchdog_bootstatus", {{"name", "watchdog0"}}), 1);
  EXPECT_EQ(Value(set, "node_watchdog_timeout_seconds", {{"name", "watchdog0"}}), 60);
  EXPECT_EQ(Value(set, "node_watchdog_pretimeout_seconds", {{"name", "watchdog0"}}), 120);
  EXPECT_EQ(Value(set, "node_watchdog_info", {{"identity", "Software Watchdog"}, {"name", "watchdog0"},
                                              {"options", "0x8380"}, {"pretimeout_governor", "noop"},
                                              {"state", "active"}, {"status", "0x8000"}}),
            1);
  EXPECT_EQ(Value(set, "node_watchdog_info", {{"identity", ""}, {"name", "watchdog1"}, {"options", ""},
                                              {"pretimeout_governor", ""}, {"state", ""}, {"status", ""}}),
            1);
  EXPECT_EQ(SampleCount(set, "node_watchdog_bootstatus"), 1u);

  dir.Write(w + "timeleft", "soon\n");
  MetricSet bad;
  EXPECT_THROW(c->Collect(bad), std::runtime_error);
}

TEST(WatchdogCollector, NoWatchdogIsNoData) {
  TempDir dir;
  auto c = NewWatchdogCollector(testing::FixturePaths(dir.path()));
  MetricSet set;
  EXPECT_EQ(RunCollect(*c, set).status, CollectStatus::kNoData);
}

}  // namespace
}  // namespace node_agent
