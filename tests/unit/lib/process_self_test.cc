// The process_* families of the agent itself: /proc/PID/stat parsing and
// live values.
#include "lib/process_self.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "lib/fs.h"

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

TEST(ProcessSelf, ParsesStatWithSpacesInName) {
  std::string stat =
      "1234 (node agent) x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 "
      "9000 7041024 1161 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  auto s = ParseProcPidStat(stat);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->utime_ticks, 250u);
  EXPECT_EQ(s->stime_ticks, 50u);
  EXPECT_EQ(s->start_time_ticks, 9000u);
  EXPECT_EQ(s->vsize_bytes, 7041024u);
  EXPECT_EQ(s->rss_pages, 1161u);
  EXPECT_FALSE(ParseProcPidStat("garbage"));
  EXPECT_FALSE(ParseProcPidStat("1 (x) S 1 2"));
}

TEST(ProcessSelf, LiveValuesAreSane) {
  auto c = NewProcessSelfCollector();
  MetricSet set;
  c->Collect(set);
  EXPECT_GT(testing::Value(set, "process_resident_memory_bytes"), 0);
  EXPECT_GT(testing::Value(set, "process_open_fds"), 2);
  EXPECT_GT(testing::Value(set, "process_start_time_seconds"), 1.5e9);
  EXPECT_GT(testing::Value(set, "process_max_fds"), 0);
}

// Whether the count comes from the fd directory's size (Linux 6.2+) or from a
// listing, it is the number a listing sees, the listing's own descriptor
// included (client_golang's value), and follows descriptors opened.
TEST(ProcessSelf, OpenFdsIsWhatAListingCounts) {
  auto c = NewProcessSelfCollector();
  auto open_fds = [&] {
    MetricSet set;
    c->Collect(set);
    return testing::Value(set, "process_open_fds");
  };
  double before = open_fds();
  EXPECT_EQ(before, static_cast<double>(CountDirEntries("/proc/self/fd")));
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(open_fds(), before + 1);
  close(fd);
  EXPECT_EQ(open_fds(), before);
}

}  // namespace
}  // namespace node_agent
