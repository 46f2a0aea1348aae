#include "collectors/dmi.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::TempDir;
using testing::Value;

TEST(DmiParse, LabelForFile) {
  EXPECT_EQ(DmiLabelForFile("product_name"), "product_name");
  EXPECT_EQ(DmiLabelForFile("sys_vendor"), "system_vendor");
  EXPECT_FALSE(DmiLabelForFile("chassis_type"));
  EXPECT_FALSE(DmiLabelForFile("modalias"));
  EXPECT_FALSE(DmiLabelForFile("system_vendor"));
}

TEST(DmiParse, LabelsSortedAndValidUtf8) {
  Labels l = DmiLabels({{"sys_vendor", "Amazon EC2"},
                        {"product_name", "m5.xlarge"},
                        {"chassis_type", "1"},
                        {"product_version", "\xff[\xfe"},
                        {"bios_vendor", "Amazon EC2"}});
  Labels want = {{"bios_vendor", "Amazon EC2"},
                 {"product_name", "m5.xlarge"},
                 {"product_version", "\xEF\xBF\xBD[\xEF\xBF\xBD"},
                 {"system_vendor", "Amazon EC2"}};
  EXPECT_EQ(l, want);
  EXPECT_TRUE(DmiLabels({}).empty());
  EXPECT_TRUE(DmiLabels({{"chassis_type", "1"}}).empty());
}

// An EC2 instance's class/dmi/id, as the kernel shows it.
void WriteEc2Dmi(const TempDir& dir) {
  dir.Write("sys/class/dmi/id/bios_date", "10/16/2017\n");
  dir.Write("sys/class/dmi/id/bios_vendor", "Amazon EC2\n");
  dir.Write("sys/class/dmi/id/bios_version", "1.0\n");
  dir.Write("sys/class/dmi/id/board_asset_tag", "i-0123456789abcdef0\n");
  dir.Write("sys/class/dmi/id/chassis_asset_tag", "\n");
  dir.Write("sys/class/dmi/id/chassis_type", "1\n");
  dir.Write("sys/class/dmi/id/product_name", "m5.xlarge\n");
  dir.Write("sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
  dir.Write("sys/class/dmi/id/modalias", "dmi:bvnAmazonEC2:bvr1.0:\n");
  dir.Write("sys/class/dmi/id/uevent", "MODALIAS=dmi:bvnAmazonEC2\n");
  std::filesystem::create_directories(dir.path() + "/sys/class/dmi/id/power");
}

TEST(DmiCollector, Ec2InstanceType) {
  TempDir dir;
  WriteEc2Dmi(dir);
  auto c = NewDmiCollector(testing::FixturePaths(dir.path()));
  MetricSet set;
  c->Collect(set);
  Labels want = {{"bios_date", "10/16/2017"},   {"bios_vendor", "Amazon EC2"},
                 {"bios_version", "1.0"},       {"board_asset_tag", "i-0123456789abcdef0"},
                 {"chassis_asset_tag", ""},     {"product_name", "m5.xlarge"},
                 {"system_vendor", "Amazon EC2"}};
  EXPECT_EQ(Value(set, "node_dmi_info", want), 1);
  EXPECT_NE(testing::Serialize(set).find("product_name=\"m5.xlarge\""), std::string::npos);
}

TEST(DmiCollector, NoDmiIsNoData) {
  TempDir dir;
  auto c = NewDmiCollector(testing::FixturePaths(dir.path()));
  MetricSet set;
  EXPECT_EQ(RunCollect(*c, set).status, CollectStatus::kNoData);
  EXPECT_TRUE(set.empty());
}

TEST(DmiCollector, UnreadableSerialSkipped) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads mode 0000 files";
  TempDir dir;
  WriteEc2Dmi(dir);
  dir.Write("sys/class/dmi/id/product_serial", "ec2-serial\n");
  chmod((dir.path() + "/sys/class/dmi/id/product_serial").c_str(), 0);
  auto c = NewDmiCollector(testing::FixturePaths(dir.path()));
  MetricSet set;
  c->Collect(set);
  auto f = testing::Find(set, "node_dmi_info");
  ASSERT_TRUE(f.has_value());
  for (const auto& l : f->metric.at(0).label) EXPECT_NE(l.name, "product_serial");
}

}  // namespace
}  // namespace node_agent
