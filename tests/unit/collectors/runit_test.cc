#include "collectors/runit.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::SampleCount;
using testing::Value;

// runsv's 20-byte status: TAI64 label, nanoseconds, pid, paused, want, term, state.
std::string Status(int64_t unix_seconds, uint32_t pid, char want, uint8_t state) {
  std::string s(20, '\0');
  uint64_t tai = 4611686018427387914ULL + static_cast<uint64_t>(unix_seconds);
  for (int i = 7; i >= 0; --i, tai >>= 8) s[i] = static_cast<char>(tai & 0xff);
  for (int i = 12; i <= 15; ++i, pid >>= 8) s[i] = static_cast<char>(pid & 0xff);
  s[17] = want;
  s[19] = static_cast<char>(state);
  return s;
}

TEST(RunitParse, Status) {
  auto s = ParseRunitStatus(Status(1700000000, 4242, 'u', 1));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->timestamp, 1700000000);
  EXPECT_EQ(s->pid, 4242);
  EXPECT_EQ(s->want, 1);
  EXPECT_EQ(s->state, 1);
  auto down = ParseRunitStatus(Status(5, 0, 'd', 0));
  ASSERT_TRUE(down);
  EXPECT_EQ(down->want, 0);
  EXPECT_EQ(down->state, 0);
}

TEST(RunitParse, ShortAndEmpty) {
  EXPECT_FALSE(ParseRunitStatus(""));
  auto s = ParseRunitStatus(std::string_view("\x40\0\0\0\0\0\0\x0a", 8));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->timestamp, 0);
  EXPECT_EQ(s->state, 0);
}

TEST(Runit, Collect) {
  testing::TempDir dir;
  dir.Write("sv/web/supervise/status", Status(1700000000, 10, 'u', 1));
  dir.Write("sv/cron/supervise/status", Status(1600000000, 0, 'd', 0));
  dir.Write("sv/cron/supervise/down", "");
  dir.Write("sv/broken/supervise/status", "");
  dir.Write("sv/README", "not a service\n");
  std::filesystem::create_directory_symlink(dir.path() + "/sv/web", dir.path() + "/sv/web-link");
  MetricSet set;
  NewRunitCollector(Paths{}, dir.path() + "/sv")->Collect(set);
  Labels web{{"service", "web"}, {"supervisor", "runit"}};
  Labels cron{{"service", "cron"}, {"supervisor", "runit"}};
  EXPECT_DOUBLE_EQ(Value(set, "node_service_state", web), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_service_desired_state", web), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_service_normal_state", web), 1);
  EXPECT_DOUBLE_EQ(Value(set, "node_service_state_last_change_timestamp_seconds", web), 1700000000);
  EXPECT_DOUBLE_EQ(Value(set, "node_service_state", cron), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_service_desired_state", cron), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_service_normal_state", cron), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_service_state", {{"service", "web-link"}, {"supervisor", "runit"}}), 1);
  EXPECT_EQ(SampleCount(set, "node_service_state"), 3u);  // broken and README left out
}

TEST(Runit, MissingDirectoryFails) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_THROW(NewRunitCollector(Paths{}, dir.path() + "/nope")->Collect(set), std::runtime_error);
}

}  // namespace
}  // namespace node_agent
