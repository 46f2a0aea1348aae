#include "collectors/filefd.h"

#include <gtest/gtest.h>

#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::Value;

TEST(FilefdParse, TabSeparated) {
  auto s = ParseFileNr("1024\t0\t1631329\n");
  ASSERT_TRUE(s);
  EXPECT_DOUBLE_EQ(s->allocated, 1024);
  EXPECT_DOUBLE_EQ(s->maximum, 1631329);
}

TEST(FilefdParse, Malformed) {
  EXPECT_FALSE(ParseFileNr(""));
  EXPECT_FALSE(ParseFileNr("1024 0 1631329\n"));  // spaces: one field, as node_exporter reads it
  EXPECT_FALSE(ParseFileNr("1024\t0\n"));
  EXPECT_FALSE(ParseFileNr("x\t0\t5\n"));
}

TEST(Filefd, Ec2Fixture) {
  MetricSet set;
  NewFilefdCollector(FixturePaths(testing::FixturePath("filefd/ec2")))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_filefd_allocated"), 2112);
  EXPECT_DOUBLE_EQ(Value(set, "node_filefd_maximum"), 9223372036854775807.0);
  EXPECT_EQ(set.Find("node_filefd_maximum")->help, "File descriptor statistics: maximum.");
  EXPECT_EQ(set.Find("node_filefd_allocated")->type, MetricType::Gauge);
}

TEST(Filefd, MalformedFailsAndLogsOnce) {
  testing::TempDir dir;
  dir.Write("proc/sys/fs/file-nr", "1024\n");
  auto c = NewFilefdCollector(FixturePaths(dir.path()));
  testing::LogCapture logs;
  for (int i = 0; i < 2; ++i) {
    MetricSet set;
    EXPECT_THROW(c->Collect(set), std::runtime_error);
  }
  EXPECT_EQ(logs.Warnings("file-nr"), 1u);
}

TEST(Filefd, MissingFileFails) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_THROW(NewFilefdCollector(FixturePaths(dir.path()))->Collect(set), std::runtime_error);
}

}  // namespace
}  // namespace node_agent
