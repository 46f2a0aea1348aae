#include "collectors/sysctl.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

TEST(SysctlParse, Spec) {
  auto s = ParseSysctlSpec("fs.file-nr:total,current,max", true);
  EXPECT_EQ(s.name, "fs.file-nr");
  EXPECT_EQ(s.keys, (std::vector<std::string>{"total", "current", "max"}));
  EXPECT_TRUE(s.numeric);
  s = ParseSysctlSpec("kernel.threads-max", false);
  EXPECT_EQ(s.name, "kernel.threads-max");
  EXPECT_TRUE(s.keys.empty());
  EXPECT_FALSE(s.numeric);
  EXPECT_EQ(ParseSysctlSpec("a:", true).keys, (std::vector<std::string>{""}));
  EXPECT_EQ(ParseSysctlSpec("a:x:y", true).keys, (std::vector<std::string>{"x:y"}));
}

TEST(SysctlParse, Values) {
  EXPECT_EQ(ParseSysctlStrings("kill_process kill_thread\ttrap\n"),
            (std::vector<std::string>{"kill_process", "kill_thread", "trap"}));
  EXPECT_EQ(*ParseSysctlInts("1024\t0\t1631329\n"), (std::vector<int64_t>{1024, 0, 1631329}));
  // Go's base-0 integers.
  EXPECT_EQ(*ParseSysctlInts("-1 0x10 010 0b11 +5\n"), (std::vector<int64_t>{-1, 16, 8, 3, 5}));
  EXPECT_EQ(*ParseSysctlInts("9223372036854775807 -9223372036854775808"),
            (std::vector<int64_t>{INT64_MAX, INT64_MIN}));
  EXPECT_FALSE(ParseSysctlInts("9223372036854775808"));
  EXPECT_FALSE(ParseSysctlInts("1 cubic"));
  EXPECT_FALSE(ParseSysctlInts("08"));
  EXPECT_TRUE(ParseSysctlInts("")->empty());
}

TEST(SysctlParse, SanitizeMetricName) {
  EXPECT_EQ(SanitizeMetricName("fs.file-nr"), "fs_file_nr");
  EXPECT_EQ(SanitizeMetricName("net.ipv4.tcp_rmem"), "net_ipv4_tcp_rmem");
  EXPECT_EQ(SanitizeMetricName("a_.-_b"), "a_b");
  EXPECT_EQ(SanitizeMetricName("a__b"), "a__b");
  EXPECT_EQ(SanitizeMetricName("_a."), "_a_");
  EXPECT_EQ(SanitizeMetricName("x\xc3\xa9y"), "x_y");
}

SysctlOptions Options(std::vector<std::string> include, std::vector<std::string> info) {
  SysctlOptions o;
  o.include = std::move(include);
  o.include_info = std::move(info);
  return o;
}

TEST(Sysctl, LikeNodeExporterE2e) {
  MetricSet set;
  NewSysctlCollector(FixturePaths(testing::FixturePath("sysctl")),
                     Options({"fs.file-nr", "fs.file-nr:total,current,max", "kernel.threads-max"},
                             {"kernel.seccomp.actions_avail", "net.ipv4.tcp_congestion_control"}))
      ->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_sysctl_fs_file_nr", {{"index", "0"}}), 3200);
  EXPECT_DOUBLE_EQ(Value(set, "node_sysctl_fs_file_nr", {{"index", "2"}}), 9223372036854775807.0);
  EXPECT_DOUBLE_EQ(Value(set, "node_sysctl_fs_file_nr_total"), 3200);
  EXPECT_DOUBLE_EQ(Value(set, "node_sysctl_fs_file_nr_current"), 0);
  EXPECT_EQ(set.Find("node_sysctl_fs_file_nr_max")->help, "sysctl fs.file-nr, field 2");
  EXPECT_EQ(set.Find("node_sysctl_fs_file_nr")->help, "sysctl fs.file-nr");
  EXPECT_EQ(set.Find("node_sysctl_fs_file_nr")->type, MetricType::Untyped);
  EXPECT_DOUBLE_EQ(Value(set, "node_sysctl_kernel_threads_max"), 126352);
  EXPECT_DOUBLE_EQ(
      Value(set, "node_sysctl_info", {{"index", "7"}, {"name", "kernel.seccomp.actions_avail"}, {"value", "allow"}}),
      1);
  EXPECT_DOUBLE_EQ(
      Value(set, "node_sysctl_info", {{"index", "0"}, {"name", "net.ipv4.tcp_congestion_control"}, {"value", "cubic"}}),
      1);
  EXPECT_EQ(testing::SampleCount(set, "node_sysctl_info"), 9u);
  EXPECT_EQ(set.Find("node_sysctl_info")->type, MetricType::Gauge);
}

TEST(Sysctl, ErrorsAfterEarlierSamples) {
  auto paths = FixturePaths(testing::FixturePath("sysctl"));
  struct Case {
    std::vector<std::string> include, info;
  } cases[] = {
      {{"kernel.threads-max", "no.such.sysctl"}, {}},
      {{"kernel.threads-max", "net.ipv4.tcp_congestion_control"}, {}},  // not a number
      {{"kernel.threads-max", "kernel.threads-max:a,b"}, {}},           // one value, keys given
      {{"kernel.threads-max", "fs.file-nr:a,b"}, {}},                   // 3 values, 2 keys
      {{"kernel.threads-max"}, {"kernel.seccomp.actions_avail:a,b,c,d,e,f,g,h"}},  // mapped strings
  };
  for (const auto& c : cases) {
    MetricSet set;
    EXPECT_THROW(NewSysctlCollector(paths, Options(c.include, c.info))->Collect(set), std::runtime_error);
    EXPECT_DOUBLE_EQ(Value(set, "node_sysctl_kernel_threads_max"), 126352);
  }
}

TEST(Sysctl, EmptyValueFails) {
  testing::TempDir dir;
  dir.Write("proc/sys/x/y", "\n");
  MetricSet set;
  EXPECT_THROW(NewSysctlCollector(FixturePaths(dir.path()), Options({"x.y"}, {}))->Collect(set), std::runtime_error);
}

TEST(Sysctl, ReadsAtMost128BytesAsProcfs) {
  testing::TempDir dir;
  std::string value(120, 'a');
  dir.Write("proc/sys/k/long", value + " bbbbbbbbbbbbbbbbbbbb\n");
  MetricSet set;
  NewSysctlCollector(FixturePaths(dir.path()), Options({}, {"k.long"}))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_sysctl_info", {{"index", "1"}, {"name", "k.long"}, {"value", "bbbbbbb"}}), 1);
}

TEST(Sysctl, BadKeyIsAFlagError) {
  EXPECT_THROW(NewSysctlCollector(Paths{}, Options({"fs.file-nr:a-b,c,d"}, {})), std::invalid_argument);
}

TEST(Sysctl, NothingIncludedIsEmptySuccess) {
  MetricSet set;
  NewSysctlCollector(Paths{}, Options({}, {}))->Collect(set);
  EXPECT_TRUE(set.empty());
}

}  // namespace
}  // namespace node_agent
