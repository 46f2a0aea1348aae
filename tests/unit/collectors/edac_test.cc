#include "collectors/edac.h"

#include <gtest/gtest.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::SampleCount;
using testing::TempDir;
using testing::Value;

TEST(EdacParse, EntryNumber) {
  EXPECT_EQ(EdacEntryNumber("mc0", "mc"), "0");
  EXPECT_EQ(EdacEntryNumber("mc12", "mc"), "12");
  EXPECT_EQ(EdacEntryNumber("mc3x", "mc"), "3");
  EXPECT_FALSE(EdacEntryNumber("mc", "mc"));
  EXPECT_FALSE(EdacEntryNumber("mcx", "mc"));
  EXPECT_FALSE(EdacEntryNumber("power", "mc"));
  EXPECT_EQ(EdacEntryNumber("csrow7", "csrow"), "7");
  EXPECT_FALSE(EdacEntryNumber("ce_count", "csrow"));
}

TEST(EdacParse, ChannelNumber) {
  EXPECT_EQ(EdacChannelNumber("ch0_ce_count"), "0");
  EXPECT_EQ(EdacChannelNumber("ch15_ce_count"), "15");
  EXPECT_FALSE(EdacChannelNumber("ch0_ue_count"));
  EXPECT_FALSE(EdacChannelNumber("ch_ce_count"));
  EXPECT_FALSE(EdacChannelNumber("chx_ce_count"));
  EXPECT_FALSE(EdacChannelNumber("ce_count"));
  EXPECT_EQ(EdacChannelNumber("chx_ch2_ce_count"), "2");  // the regexp's leftmost match
}

TEST(EdacParse, DimmLabel) {
  EXPECT_EQ(EdacDimmLabel("mc#0csrow#1channel#0\n"), "mc0_csrow1_channel0");
  EXPECT_EQ(EdacDimmLabel("CPU_SrcID#0_Ha#0_Chan#0_DIMM#0\n"), "CPU_SrcID0_Ha0_Chan0_DIMM0");
  EXPECT_EQ(EdacDimmLabel(""), "");
}

TEST(EdacParse, Count) {
  EXPECT_EQ(ParseEdacCount("5\n"), 5u);
  EXPECT_FALSE(ParseEdacCount("-1\n"));
  EXPECT_FALSE(ParseEdacCount("0x5"));
  EXPECT_FALSE(ParseEdacCount(""));
}

// One controller as the kernel's edac_mc sysfs shows it: csrow0 with two
// channels (channel 1 without ue_count), csrow1 without channels.
void WriteMc(const TempDir& dir) {
  const std::string mc = "sys/devices/system/edac/mc/mc0/";
  dir.Write(mc + "ce_count", "1\n");
  dir.Write(mc + "ce_noinfo_count", "2\n");
  dir.Write(mc + "ue_count", "3\n");
  dir.Write(mc + "ue_noinfo_count", "4\n");
  dir.Write(mc + "csrow0/ce_count", "5\n");
  dir.Write(mc + "csrow0/ue_count", "6\n");
  dir.Write(mc + "csrow0/ch0_ce_count", "7\n");
  dir.Write(mc + "csrow0/ch0_ue_count", "8\n");
  dir.Write(mc + "csrow0/ch0_dimm_label", "mc#0csrow#0channel#0\n");
  dir.Write(mc + "csrow0/ch1_ce_count", "9\n");
  dir.Write(mc + "csrow1/ce_count", "0\n");
  dir.Write(mc + "csrow1/ue_count", "0\n");
  dir.Write("sys/devices/system/edac/mc/power/control", "auto\n");
}

TEST(EdacCollector, Controller) {
  TempDir dir;
  WriteMc(dir);
  auto c = NewEdacCollector(testing::FixturePaths(dir.path()));
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Value(set, "node_edac_correctable_errors_total", {{"controller", "0"}}), 1);
  EXPECT_EQ(Value(set, "node_edac_uncorrectable_errors_total", {{"controller", "0"}}), 3);
  EXPECT_EQ(Value(set, "node_edac_csrow_correctable_errors_total", {{"controller", "0"}, {"csrow", "unknown"}}), 2);
  EXPECT_EQ(Value(set, "node_edac_csrow_uncorrectable_errors_total", {{"controller", "0"}, {"csrow", "unknown"}}), 4);
  EXPECT_EQ(Value(set, "node_edac_csrow_correctable_errors_total", {{"controller", "0"}, {"csrow", "0"}}), 5);
  EXPECT_EQ(Value(set, "node_edac_csrow_uncorrectable_errors_total", {{"controller", "0"}, {"csrow", "1"}}), 0);
  Labels ch0 = {{"channel", "0"}, {"controller", "0"}, {"csrow", "0"}, {"dimm_label", "mc0_csrow0_channel0"}};
  Labels ch1 = {{"channel", "1"}, {"controller", "0"}, {"csrow", "0"}, {"dimm_label", "unknown"}};
  EXPECT_EQ(Value(set, "node_edac_channel_correctable_errors_total", ch0), 7);
  EXPECT_EQ(Value(set, "node_edac_channel_uncorrectable_errors_total", ch0), 8);
  EXPECT_EQ(Value(set, "node_edac_channel_correctable_errors_total", ch1), 9);
  // ch1 has no ue_count: left out, the scrape still succeeds (1.12.1).
  EXPECT_EQ(SampleCount(set, "node_edac_channel_uncorrectable_errors_total"), 1u);
  auto f = testing::Find(set, "node_edac_correctable_errors_total");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->type, MetricType::Counter);
}

TEST(EdacCollector, NoEdacIsEmptySuccess) {
  TempDir dir;
  auto c = NewEdacCollector(testing::FixturePaths(dir.path()));
  MetricSet set;
  c->Collect(set);
  EXPECT_TRUE(set.empty());
}

TEST(EdacCollector, MissingControllerCountFails) {
  TempDir dir;
  WriteMc(dir);
  std::filesystem::remove(dir.path() + "/sys/devices/system/edac/mc/mc0/ue_count");
  auto c = NewEdacCollector(testing::FixturePaths(dir.path()));
  MetricSet set;
  EXPECT_THROW(c->Collect(set), std::runtime_error);
  dir.Write("sys/devices/system/edac/mc/mc0/ue_count", "garbage\n");
  EXPECT_THROW(c->Collect(set), std::runtime_error);
}

}  // namespace
}  // namespace node_agent
