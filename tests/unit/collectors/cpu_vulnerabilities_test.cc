#include "collectors/cpu_vulnerabilities.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::Value;

TEST(CpuVulnerabilityParse, States) {
  auto v = ParseCpuVulnerability("Not affected\n");
  EXPECT_EQ(v.state, "not affected");
  EXPECT_EQ(v.mitigation, "");
  v = ParseCpuVulnerability("Vulnerable\n");
  EXPECT_EQ(v.state, "vulnerable");
  EXPECT_EQ(v.mitigation, "");
  v = ParseCpuVulnerability("Vulnerable: Clear CPU buffers attempted, no microcode; SMT vulnerable\n");
  EXPECT_EQ(v.state, "vulnerable");
  EXPECT_EQ(v.mitigation, "Clear CPU buffers attempted, no microcode; SMT vulnerable");
  v = ParseCpuVulnerability("Mitigation: usercopy/swapgs barriers and __user pointer sanitization\n");
  EXPECT_EQ(v.state, "mitigation");
  EXPECT_EQ(v.mitigation, "usercopy/swapgs barriers and __user pointer sanitization");
  v = ParseCpuVulnerability("Unknown: No mitigations\n");
  EXPECT_EQ(v.state, "unknown");
  EXPECT_EQ(v.mitigation, "No mitigations");
}

TEST(CpuVulnerabilityParse, WordsRejoinedWithSingleSpaces) {
  auto v = ParseCpuVulnerability("  Mitigation:  Retpolines,\tIBPB:  conditional\n");
  EXPECT_EQ(v.state, "mitigation");
  EXPECT_EQ(v.mitigation, "Retpolines, IBPB: conditional");
}

TEST(CpuVulnerabilityParse, UnrecognisedTextIsUnknownWithTheText) {
  auto v = ParseCpuVulnerability("  KVM: Mitigation: Split huge pages \n");
  EXPECT_EQ(v.state, "unknown");
  EXPECT_EQ(v.mitigation, "KVM: Mitigation: Split huge pages");
  v = ParseCpuVulnerability("");
  EXPECT_EQ(v.state, "unknown");
  EXPECT_EQ(v.mitigation, "");
}

TEST(CpuVulnerabilityParse, PrefixIsCaseInsensitive) {
  EXPECT_EQ(ParseCpuVulnerability("NOT AFFECTED").state, "not affected");
  EXPECT_EQ(ParseCpuVulnerability("mitigationX y").mitigation, "y");
}

TEST(CpuVulnerabilities, OneSeriesPerFile) {
  testing::TempDir dir;
  dir.Write("sys/devices/system/cpu/vulnerabilities/mds", "Vulnerable\n");
  dir.Write("sys/devices/system/cpu/vulnerabilities/retbleed",
            "Mitigation: untrained return thunk; SMT enabled with STIBP protection\n");
  dir.Write("sys/devices/system/cpu/vulnerabilities/itlb_multihit", "Not affected\n");
  MetricSet set;
  NewCpuVulnerabilitiesCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_cpu_vulnerabilities_info"), 3u);
  EXPECT_EQ(Value(set, "node_cpu_vulnerabilities_info",
                  {{"codename", "retbleed"},
                   {"mitigation", "untrained return thunk; SMT enabled with STIBP protection"},
                   {"state", "mitigation"}}),
            1);
  EXPECT_EQ(Value(set, "node_cpu_vulnerabilities_info",
                  {{"codename", "itlb_multihit"}, {"mitigation", ""}, {"state", "not affected"}}),
            1);
  ASSERT_NE(set.Find("node_cpu_vulnerabilities_info"), nullptr);
  EXPECT_EQ(set.Find("node_cpu_vulnerabilities_info")->type, MetricType::Gauge);
}

TEST(CpuVulnerabilities, MissingDirectoryGivesNothing) {
  testing::TempDir dir;
  MetricSet set;
  NewCpuVulnerabilitiesCollector(FixturePaths(dir.path()))->Collect(set);
  EXPECT_TRUE(set.empty());
}

TEST(CpuVulnerabilities, UnreadableEntryFails) {
  testing::TempDir dir;
  dir.Write("sys/devices/system/cpu/vulnerabilities/sub/x", "Vulnerable\n");
  MetricSet set;
  EXPECT_THROW(NewCpuVulnerabilitiesCollector(FixturePaths(dir.path()))->Collect(set), std::runtime_error);
}

}  // namespace
}  // namespace node_agent
