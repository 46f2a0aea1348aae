#include "lib/fs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "lib/device_filter.h"
#include "lib/metrics.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::TempDir;

TEST(Paths, JoinHandlesSlashes) {
  EXPECT_EQ(Paths::Join("/proc", "stat"), "/proc/stat");
  EXPECT_EQ(Paths::Join("/proc/", "/stat"), "/proc/stat");
  EXPECT_EQ(Paths::Join("/", "etc/os-release"), "/etc/os-release");
  Paths p;
  p.sysfs = "/tmp/x/sys";
  EXPECT_EQ(p.Sys("class/hwmon"), "/tmp/x/sys/class/hwmon");
}

// A kept-open listing is rewound, so it sees entries added and removed since
// the last one; both modes give the same sorted names, inodes and types.
TEST(DirLister, KeptStreamSeesChangesAndTypes) {
  TempDir dir;
  dir.Write("b", "1");
  ASSERT_EQ(mkdir((dir.path() + "/a").c_str(), 0755), 0);
  for (bool keep : {true, false}) {
    DirLister lister(dir.path(), keep);
    std::vector<DirEntry> entries;
    ASSERT_EQ(lister.List(entries), 0);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].name, "a");
    EXPECT_EQ(entries[0].type, DT_DIR);
    EXPECT_EQ(entries[1].name, "b");
    EXPECT_EQ(entries[1].type, DT_REG);
    struct stat st {};
    ASSERT_EQ(stat((dir.path() + "/b").c_str(), &st), 0);
    EXPECT_EQ(entries[1].ino, st.st_ino);

    dir.Write("c", "2");
    ASSERT_EQ(lister.List(entries), 0);
    ASSERT_EQ(entries.size(), 3u) << "keep_open " << keep;
    EXPECT_EQ(entries[2].name, "c");
    ASSERT_EQ(unlink((dir.path() + "/c").c_str()), 0);
    ASSERT_EQ(lister.List(entries), 0);
    EXPECT_EQ(entries.size(), 2u) << "keep_open " << keep;
  }
  DirLister missing(dir.path() + "/nope", true);
  std::vector<DirEntry> entries;
  EXPECT_EQ(missing.List(entries), ENOENT);
  EXPECT_TRUE(entries.empty());
}

TEST(IsSysfsMount, DistinguishesFixtureFromSys) {
  TempDir dir;
  EXPECT_FALSE(IsSysfsMount(dir.path()));
  EXPECT_FALSE(IsProcfsMount(dir.path()));
  if (!IsSysfsMount("/sys")) GTEST_SKIP() << "/sys is not a sysfs mount here";
  EXPECT_TRUE(IsSysfsMount("/sys/class/net"));
}

TEST(ReadFile, ReadsLargeFilesCompletely) {
  TempDir dir;
  std::string big(100000, 'x');
  dir.Write("big", big);
  std::string out;
  int err = -1;
  ASSERT_TRUE(ReadFile(dir.path() + "/big", out, &err));
  EXPECT_EQ(err, 0);
  EXPECT_EQ(out, big);
}

TEST(ReadFile, ReportsErrno) {
  std::string out = "stale";
  int err = 0;
  EXPECT_FALSE(ReadFile("/nonexistent/file", out, &err));
  EXPECT_EQ(err, ENOENT);
  EXPECT_TRUE(out.empty());
}

TEST(ReadFile, FifoDoesNotBlock) {
  TempDir dir;
  std::string fifo = dir.path() + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string out;
  int err = 0;
  // O_NONBLOCK: an empty FIFO with no writer reads as EOF at once.
  ReadFile(fifo, out, &err);
  EXPECT_TRUE(out.empty());
}

TEST(ReadAttr, TrimsTrailingNewline) {
  TempDir dir;
  dir.Write("a", "42\n");
  EXPECT_EQ(ReadAttr(dir.path() + "/a"), "42");
  EXPECT_EQ(ReadInt(dir.path() + "/a"), 42);
  dir.Write("b", "-7\n");
  EXPECT_EQ(ReadInt(dir.path() + "/b"), -7);
  EXPECT_EQ(ReadUint(dir.path() + "/b"), std::nullopt);
  dir.Write("c", "junk\n");
  EXPECT_EQ(ReadInt(dir.path() + "/c"), std::nullopt);
}

TEST(CachedFile, RereadsChangedContentAndRecoversFromRemoval) {
  TempDir dir;
  dir.Write("f", "one\n");
  CachedFile file(dir.path() + "/f");
  std::string out;
  ASSERT_EQ(file.Read(out), 0);
  EXPECT_EQ(out, "one\n");
  // Rewriting in place through the same inode: the open fd sees it.
  { std::ofstream(dir.path() + "/f", std::ios::trunc) << "two two\n"; }
  ASSERT_EQ(file.Read(out), 0);
  EXPECT_EQ(out, "two two\n");
  std::filesystem::remove(dir.path() + "/missing");
  CachedFile missing(dir.path() + "/missing");
  EXPECT_EQ(missing.Read(out), ENOENT);
  dir.Write("missing", "back\n");
  EXPECT_EQ(missing.Read(out), 0);
  EXPECT_EQ(out, "back\n");
}

TEST(ListDir, SortedWithoutDots) {
  TempDir dir;
  dir.Write("b", "");
  dir.Write("a", "");
  dir.Write("c/d", "");
  EXPECT_EQ(ListDir(dir.path()), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(ListDir(dir.path() + "/nope").empty());
  EXPECT_EQ(CountDirEntries(dir.path()), 3u);
  EXPECT_EQ(CountDirEntries(dir.path() + "/c"), 1u);
  EXPECT_EQ(CountDirEntries(dir.path() + "/nope"), 0u);
}

TEST(Parse, FieldsAndNumbers) {
  auto f = Fields("  cpu0  1 2\t3 \n");
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0], "cpu0");
  EXPECT_EQ(f[3], "3");
  EXPECT_EQ(Lines("a\nb\n").size(), 2u);
  EXPECT_EQ(ParseUint("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(ParseUint("12x"), std::nullopt);
  EXPECT_EQ(ParseUint(""), std::nullopt);
  EXPECT_EQ(ParseUint("0x1f", 16), 31u);
  EXPECT_EQ(ParseInt("-5"), -5);
  EXPECT_DOUBLE_EQ(*ParseDouble("1.5e3"), 1500.0);
  EXPECT_EQ(BaseName("/sys/class/net/eth0"), "eth0");
}

TEST(Parse, FieldsIntoReusedVector) {
  std::vector<std::string_view> f{"stale"};
  Fields(" a\tbb  c ", f);
  EXPECT_EQ(f, (std::vector<std::string_view>{"a", "bb", "c"}));
  Fields("   ", f);
  EXPECT_TRUE(f.empty());
}

// Plain digit strings take a shortcut; it must agree with the general path.
TEST(Parse, DoubleDigitsShortcutMatchesGeneralPath) {
  EXPECT_EQ(ParseDouble("0"), 0.0);
  EXPECT_EQ(ParseDouble("007"), 7.0);
  EXPECT_EQ(ParseDouble("999999999999999"), 999999999999999.0);    // 15 digits: shortcut
  EXPECT_EQ(ParseDouble("9007199254740993"), 9007199254740992.0);  // 16 digits: rounded as from_chars
  EXPECT_EQ(ParseDouble("18446744073709551616"), 18446744073709551616.0);
  EXPECT_EQ(ParseDouble("12a"), std::nullopt);
  EXPECT_EQ(ParseDouble("1 "), std::nullopt);
  EXPECT_EQ(ParseDouble(""), std::nullopt);
  EXPECT_EQ(ParseDouble("-3"), -3.0);
}

TEST(DeviceFilter, IncludeAndExclude) {
  DeviceFilter none;
  EXPECT_FALSE(none.Ignored("eth0"));
  DeviceFilter ex("x.exclude", "^lo$", "x.include", "");
  EXPECT_TRUE(ex.Ignored("lo"));
  EXPECT_FALSE(ex.Ignored("lo0"));
  DeviceFilter in("x.exclude", "", "x.include", "eth");
  EXPECT_FALSE(in.Ignored("eth0"));
  EXPECT_TRUE(in.Ignored("wlan0"));
  EXPECT_THROW(DeviceFilter("x.exclude", "(", "x.include", ""), std::invalid_argument);
}

TEST(MetricSet, GroupsSamplesByFamily) {
  MetricSet set;
  set.Gauge("node_a", "A.", {{"x", "1"}}, 1);
  set.Counter("node_b_total", "B.", {}, 2);
  set.Gauge("node_a", "A.", {{"x", "2"}}, 3);
  ASSERT_EQ(set.families().size(), 2u);
  EXPECT_EQ(testing::SampleCount(set, "node_a"), 2u);
  EXPECT_EQ(testing::Value(set, "node_a", {{"x", "2"}}), 3);
  EXPECT_EQ(testing::Value(set, "node_b_total"), 2);
  EXPECT_NE(testing::Serialize(set).find("# TYPE node_b_total counter"), std::string::npos);
  auto taken = set.Take();
  EXPECT_EQ(taken.size(), 2u);
  EXPECT_TRUE(set.empty());
  EXPECT_EQ(set.Find("node_a"), nullptr);
}

// Enough families to grow the name index several times, added interleaved:
// every sample still lands in its own family, in first-seen order.
TEST(MetricSet, ManyFamiliesInterleaved) {
  MetricSet set;
  constexpr int kFamilies = 1000;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kFamilies; ++i) {
      set.Gauge("node_f" + std::to_string(i), "F.", {{"round", std::to_string(round)}}, i);
    }
  }
  ASSERT_EQ(set.families().size(), static_cast<size_t>(kFamilies));
  for (int i = 0; i < kFamilies; i += 97) {
    std::string name = "node_f" + std::to_string(i);
    EXPECT_EQ(set.families()[i].name, name);
    EXPECT_EQ(testing::SampleCount(set, name), 3u);
    EXPECT_EQ(testing::Value(set, name, {{"round", "2"}}), i);
  }
  EXPECT_EQ(set.Find("node_f1000"), nullptr);
  set.Take();
  set.Counter("node_again_total", "A.", {}, 1);
  EXPECT_EQ(set.families().size(), 1u);
  EXPECT_EQ(testing::Value(set, "node_again_total"), 1);
}

}  // namespace
}  // namespace node_agent
