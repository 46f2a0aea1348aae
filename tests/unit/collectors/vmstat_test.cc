#include "collectors/vmstat.h"

#include <gtest/gtest.h>

#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

TEST(VmstatParse, NameValuePairs) {
  auto v = ParseVmstat("nr_free_pages 226328\npgfault 1914453067\n");
  ASSERT_EQ(v.fields.size(), 2u);
  EXPECT_EQ(v.fields[0].name, "nr_free_pages");
  EXPECT_DOUBLE_EQ(v.fields[0].value, 226328);
  EXPECT_EQ(v.fields[1].name, "pgfault");
  EXPECT_TRUE(v.malformed.empty());
}

TEST(VmstatParse, MalformedLines) {
  auto v = ParseVmstat("pgfault\npgmajfault x\npswpin 1 2\noom_kill 3\n");
  ASSERT_EQ(v.fields.size(), 1u);
  EXPECT_EQ(v.fields[0].name, "oom_kill");
  EXPECT_EQ(v.malformed.size(), 3u);
}

TEST(Vmstat, DefaultFieldsOnEc2Fixture) {
  MetricSet set;
  NewVmstatCollector(FixturePaths(testing::FixturePath("vmstat/ec2")), {})->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_vmstat_pgpgin"), 9418176);
  EXPECT_DOUBLE_EQ(Value(set, "node_vmstat_pgpgout"), 55339572);
  EXPECT_DOUBLE_EQ(Value(set, "node_vmstat_pswpin"), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_vmstat_pswpout"), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_vmstat_pgfault"), 1914453067);
  EXPECT_DOUBLE_EQ(Value(set, "node_vmstat_pgmajfault"), 10923);
  EXPECT_DOUBLE_EQ(Value(set, "node_vmstat_oom_kill"), 2);
  EXPECT_EQ(set.families().size(), 7u);  // not nr_*, pgscan_*, thp_fault_alloc
  auto f = testing::Find(set, "node_vmstat_oom_kill");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->type, MetricType::Untyped);
  EXPECT_EQ(f->help, "/proc/vmstat information field oom_kill.");
}

TEST(Vmstat, CustomFieldsRegexIsUnanchored) {
  MetricSet set;
  NewVmstatCollector(FixturePaths(testing::FixturePath("vmstat/ec2")), {.fields = "scan|steal"})->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_vmstat_pgscan_kswapd"), 2272761);
  EXPECT_DOUBLE_EQ(Value(set, "node_vmstat_pgsteal_kswapd"), 2190312);
  EXPECT_EQ(set.families().size(), 2u);
}

TEST(Vmstat, BadRegexNamesTheFlag) {
  try {
    NewVmstatCollector(Paths{}, {.fields = "(unclosed"});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("collector.vmstat.fields"), std::string::npos);
  }
}

TEST(Vmstat, MalformedLineSkippedAndLoggedOnceAndNewFieldsPickedUp) {
  testing::TempDir dir;
  dir.Write("proc/vmstat", "pgfault 10\npgmajfault nope\n");
  auto c = NewVmstatCollector(FixturePaths(dir.path()), {});
  testing::LogCapture logs;
  for (int i = 0; i < 2; ++i) {
    MetricSet set;
    c->Collect(set);
    EXPECT_DOUBLE_EQ(Value(set, "node_vmstat_pgfault"), 10);
    EXPECT_EQ(set.Find("node_vmstat_pgmajfault"), nullptr);
  }
  EXPECT_EQ(logs.Warnings("pgmajfault"), 1u);
  dir.Write("proc/vmstat", "pgfault 11\npgmajfault 4\n");
  MetricSet set;
  c->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_vmstat_pgfault"), 11);
  EXPECT_DOUBLE_EQ(Value(set, "node_vmstat_pgmajfault"), 4);
}

}  // namespace
}  // namespace node_agent
