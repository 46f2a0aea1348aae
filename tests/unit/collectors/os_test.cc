#include "collectors/os.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::Value;

TEST(OsReleaseParse, QuotingCommentsAndExport) {
  auto r = ParseOsRelease(
      "# comment\n"
      "\n"
      "NAME=\"Amazon Linux\"\n"
      "ID=amzn\n"
      "ID_LIKE='centos rhel fedora'\n"
      "export VERSION_ID=\"2\"\n"
      "PRETTY_NAME=\"Say \\\"hi\\\" \\\\ bye\"  # trailing comment\n"
      "EMPTY=\n");
  EXPECT_TRUE(r.malformed.empty());
  EXPECT_EQ(r.vars.at("NAME"), "Amazon Linux");
  EXPECT_EQ(r.vars.at("ID"), "amzn");
  EXPECT_EQ(r.vars.at("ID_LIKE"), "centos rhel fedora");
  EXPECT_EQ(r.vars.at("VERSION_ID"), "2");
  EXPECT_EQ(r.vars.at("PRETTY_NAME"), "Say \"hi\" \\ bye");
  EXPECT_EQ(r.vars.at("EMPTY"), "");
}

TEST(OsReleaseParse, MalformedLinesAreSkipped) {
  auto r = ParseOsRelease(
      "NAME=\"unterminated\n"
      "no equals sign\n"
      "1BAD=x\n"
      "VERSION=two words\n"
      "ID=ok\n");
  EXPECT_EQ(r.vars.size(), 1u);
  EXPECT_EQ(r.vars.at("ID"), "ok");
  EXPECT_EQ(r.malformed.size(), 4u);
}

TEST(OsReleaseParse, Version) {
  EXPECT_DOUBLE_EQ(ParseOsVersion("22.04"), 22.04);
  EXPECT_DOUBLE_EQ(ParseOsVersion("2023"), 2023);
  EXPECT_DOUBLE_EQ(ParseOsVersion("9.4.1"), 9.4);
  EXPECT_DOUBLE_EQ(ParseOsVersion("12."), 12);
  EXPECT_DOUBLE_EQ(ParseOsVersion("rolling"), 0);
  EXPECT_DOUBLE_EQ(ParseOsVersion(""), 0);
}

TEST(OsReleaseParse, SupportEnd) {
  EXPECT_EQ(ParseSupportEnd("1970-01-01"), 0);
  EXPECT_EQ(ParseSupportEnd("2028-03-15"), 1836691200);
  EXPECT_EQ(ParseSupportEnd("2024-02-29"), 1709164800);
  EXPECT_FALSE(ParseSupportEnd("2023-02-29"));
  EXPECT_FALSE(ParseSupportEnd("2023-13-01"));
  EXPECT_FALSE(ParseSupportEnd("2023-1-01"));
  EXPECT_FALSE(ParseSupportEnd("soon"));
}

TEST(Os, AmazonLinux2023) {
  MetricSet set;
  NewOsCollector(FixturePaths(testing::FixturePath("os/amzn2023")))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_os_info", {{"build_id", ""},
                                               {"id", "amzn"},
                                               {"id_like", "fedora"},
                                               {"image_id", ""},
                                               {"image_version", ""},
                                               {"name", "Amazon Linux"},
                                               {"pretty_name", "Amazon Linux 2023.5.20240624"},
                                               {"variant", ""},
                                               {"variant_id", ""},
                                               {"version", "2023"},
                                               {"version_codename", ""},
                                               {"version_id", "2023"}}),
                   1);
  EXPECT_DOUBLE_EQ(Value(set, "node_os_version", {{"id", "amzn"}, {"id_like", "fedora"}, {"name", "Amazon Linux"}}),
                   2023);
  EXPECT_DOUBLE_EQ(Value(set, "node_os_support_end_timestamp_seconds"), 1836691200);
}

TEST(Os, FallsBackToUsrLib) {
  MetricSet set;
  NewOsCollector(FixturePaths(testing::FixturePath("os/usr_lib_only")))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_os_version", {{"id", "ubuntu"}, {"id_like", "debian"}, {"name", "Ubuntu"}}),
                   22.04);
  EXPECT_EQ(set.Find("node_os_support_end_timestamp_seconds"), nullptr);
}

TEST(Os, EtcWinsOverUsrLib) {
  MetricSet set;
  NewOsCollector(FixturePaths(testing::FixturePath("os/both")))->Collect(set);
  ASSERT_EQ(SampleCount(set, "node_os_info"), 1u);
  const auto labels = testing::Find(set, "node_os_info")->metric[0].label;
  Labels want = {{"build_id", "20240701"},        {"id", "debian"},
                 {"id_like", ""},                 {"image_id", "ray-ami"},
                 {"image_version", "2.31.0"},     {"name", "Debian GNU/Linux"},
                 {"pretty_name", "Debian GNU/Linux 12 (bookworm)"},
                 {"variant", "Ray worker"},       {"variant_id", "ray-worker"},
                 {"version", "12 (bookworm)"},    {"version_codename", "bookworm"},
                 {"version_id", "12"}};
  EXPECT_EQ(labels, want);
  EXPECT_DOUBLE_EQ(Value(set, "node_os_version", {{"id", "debian"}, {"id_like", ""}, {"name", "Debian GNU/Linux"}}),
                   12);
}

TEST(Os, NoFileIsNoData) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_EQ(RunCollect(*NewOsCollector(FixturePaths(dir.path())), set).status, CollectStatus::kNoData);
}

TEST(Os, ReparsesOnlyWhenTheFileChanges) {
  testing::TempDir dir;
  dir.Write("etc/os-release", "ID=one\nVERSION_ID=1\n");
  auto c = NewOsCollector(FixturePaths(dir.path()));
  MetricSet first;
  c->Collect(first);
  EXPECT_DOUBLE_EQ(Value(first, "node_os_version", {{"id", "one"}, {"id_like", ""}, {"name", ""}}), 1);
  dir.Write("etc/os-release", "ID=two\nVERSION_ID=2.5\nSUPPORT_END=2030-01-01\n");
  // A different size and, on any filesystem, a new mtime below.
  std::string path = dir.path() + "/etc/os-release";
  struct timeval times[2] = {{1000, 0}, {2000, 0}};
  ASSERT_EQ(utimes(path.c_str(), times), 0);
  MetricSet second;
  c->Collect(second);
  EXPECT_DOUBLE_EQ(Value(second, "node_os_version", {{"id", "two"}, {"id_like", ""}, {"name", ""}}), 2.5);
  EXPECT_DOUBLE_EQ(Value(second, "node_os_support_end_timestamp_seconds"), 1893456000);
}

TEST(Os, MalformedLineSkippedAndLoggedOnce) {
  testing::TempDir dir;
  dir.Write("etc/os-release", "ID=x\nNAME=\"broken\nVERSION_ID=3\n");
  auto c = NewOsCollector(FixturePaths(dir.path()));
  testing::LogCapture logs;
  for (int i = 0; i < 2; ++i) {
    MetricSet set;
    c->Collect(set);
    EXPECT_DOUBLE_EQ(Value(set, "node_os_version", {{"id", "x"}, {"id_like", ""}, {"name", ""}}), 3);
  }
  EXPECT_EQ(logs.Warnings("os-release"), 1u);
}

TEST(Os, InvalidSupportEndIsLoggedAndLeftOut) {
  testing::TempDir dir;
  dir.Write("etc/os-release", "ID=x\nSUPPORT_END=someday\n");
  testing::LogCapture logs;
  MetricSet set;
  NewOsCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_os_info"), 1u);
  EXPECT_EQ(set.Find("node_os_support_end_timestamp_seconds"), nullptr);
  EXPECT_EQ(set.Find("node_os_version"), nullptr);
  EXPECT_EQ(logs.Warnings("SUPPORT_END"), 1u);
}

}  // namespace
}  // namespace node_agent
