#include "collectors/uname.h"

#include <gtest/gtest.h>

#include <cstring>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

TEST(UnameLabels, SortedAndTruncatedAtNul) {
  struct utsname u;
  std::memset(&u, 0, sizeof u);
  std::strcpy(u.sysname, "Linux");
  std::strcpy(u.nodename, "ip-10-0-1-23.ec2.internal");
  std::strcpy(u.release, "6.1.94-99.176.amzn2023.x86_64");
  std::strcpy(u.version, "#1 SMP PREEMPT_DYNAMIC Tue Jun 18 14:57:56 UTC 2024");
  std::strcpy(u.machine, "x86_64");
  std::strcpy(u.domainname, "(none)");
  Labels want = {{"domainname", "(none)"},
                 {"machine", "x86_64"},
                 {"nodename", "ip-10-0-1-23.ec2.internal"},
                 {"release", "6.1.94-99.176.amzn2023.x86_64"},
                 {"sysname", "Linux"},
                 {"version", "#1 SMP PREEMPT_DYNAMIC Tue Jun 18 14:57:56 UTC 2024"}};
  EXPECT_EQ(UnameLabels(u), want);
}

TEST(UnameLabels, FieldFillingTheWholeArray) {
  struct utsname u;
  std::memset(&u, 'a', sizeof u);  // no NUL anywhere
  auto labels = UnameLabels(u);
  EXPECT_EQ(labels[1].value.size(), sizeof u.machine);
}

TEST(Uname, LiveMatchesTheSyscall) {
  struct utsname u;
  ASSERT_EQ(uname(&u), 0);
  MetricSet set;
  NewUnameCollector()->Collect(set);
  auto f = testing::Find(set, "node_uname_info");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->type, MetricType::Gauge);
  EXPECT_EQ(f->help, "Labeled system information as provided by the uname system call.");
  EXPECT_DOUBLE_EQ(testing::Value(set, "node_uname_info", UnameLabels(u)), 1);
  EXPECT_EQ(f->metric[0].label[4].value, "Linux");
}

}  // namespace
}  // namespace node_agent
