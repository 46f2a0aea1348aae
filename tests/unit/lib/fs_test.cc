// File reading: Paths, ReadFile/ReadAttr, CachedFile, DirLister, ListDir and
// mount checks, on scratch trees and fixtures.
#include "lib/fs.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <set>

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

// A directory removed and made again (a sysfs class when its driver is
// reloaded) is listed from the path, not through the stale descriptor; one
// removed for good reports as missing.
TEST(DirLister, KeptStreamFollowsARecreatedDirectory) {
  TempDir root;
  const std::string path = root.path() + "/class";
  ASSERT_EQ(mkdir(path.c_str(), 0755), 0);
  root.Write("class/old0", "");
  DirLister lister(path, true);
  std::vector<DirEntry> entries;
  ASSERT_EQ(lister.List(entries), 0);
  ASSERT_EQ(entries.size(), 1u);

  ASSERT_EQ(unlink((path + "/old0").c_str()), 0);
  ASSERT_EQ(rmdir(path.c_str()), 0);
  ASSERT_EQ(mkdir(path.c_str(), 0755), 0);
  root.Write("class/new0", "");
  ASSERT_EQ(lister.List(entries), 0);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].name, "new0");

  ASSERT_EQ(unlink((path + "/new0").c_str()), 0);
  ASSERT_EQ(rmdir(path.c_str()), 0);
  EXPECT_EQ(lister.List(entries), ENOENT);
  EXPECT_TRUE(entries.empty());
}

// An empty directory lists empty in both modes and later entries show.
TEST(DirLister, EmptyDirectoryThenEntries) {
  TempDir dir;
  for (bool keep : {true, false}) {
    DirLister lister(dir.path(), keep);
    std::vector<DirEntry> entries{{"stale", 1, DT_REG}};
    ASSERT_EQ(lister.List(entries), 0);
    EXPECT_TRUE(entries.empty());
    dir.Write("x", "");
    ASSERT_EQ(lister.List(entries), 0);
    ASSERT_EQ(entries.size(), 1u) << "keep_open " << keep;
    ASSERT_EQ(unlink((dir.path() + "/x").c_str()), 0);
  }
}

// A listing longer than one read of the directory (glibc's readdir buffer,
// 32 KiB) comes whole, kept or not, on a fixture tree and below a kept procfs
// directory.
TEST(DirLister, ListsDirectoriesLongerThanOneRead) {
  TempDir dir;
  const std::string padding(60, 'n');
  for (int i = 0; i < 600; ++i) dir.Write(padding + std::to_string(i), "");
  for (bool keep : {false, true}) {
    DirLister lister(dir.path(), keep);
    std::vector<DirEntry> entries;
    ASSERT_EQ(lister.List(entries), 0);
    EXPECT_EQ(entries.size(), 600u) << "keep_open " << keep;
  }

  if (!IsProcfsMount("/proc")) GTEST_SKIP() << "/proc is not a procfs mount here";
  rlimit lim{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &lim), 0);
  constexpr rlim_t kFds = 2000;  // about 48 KiB of entries in /proc/self/fd
  if (lim.rlim_max < kFds + 64) GTEST_SKIP() << "RLIMIT_NOFILE's hard limit is too low here";
  const rlimit saved = lim;
  lim.rlim_cur = std::max<rlim_t>(lim.rlim_cur, kFds + 64);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lim), 0);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);  // stdin may be closed
  ASSERT_GE(null_fd, 0);
  std::vector<int> fds{null_fd};
  for (rlim_t i = 1; i < kFds; ++i) {
    int fd = dup(null_fd);
    ASSERT_GE(fd, 0);
    fds.push_back(fd);
  }
  ASSERT_TRUE(KeepDirOpen("/proc"));
  DirLister lister("/proc/self/fd", /*keep_open=*/false);
  std::vector<DirEntry> entries;
  ASSERT_EQ(lister.List(entries), 0);
  CloseKeptDirs();
  std::set<std::string> names;
  for (const auto& e : entries) names.insert(e.name);
  for (int fd : fds) {
    EXPECT_TRUE(names.count(std::to_string(fd))) << "fd " << fd << " missing";
    close(fd);
  }
  setrlimit(RLIMIT_NOFILE, &saved);
}

TEST(IsSysfsMount, DistinguishesFixtureFromSys) {
  TempDir dir;
  EXPECT_FALSE(IsSysfsMount(dir.path()));
  EXPECT_FALSE(IsProcfsMount(dir.path()));
  if (!IsSysfsMount("/sys")) GTEST_SKIP() << "/sys is not a sysfs mount here";
  EXPECT_TRUE(IsSysfsMount("/sys/class/net"));
}

// A fixture tree (or anything but a procfs or sysfs directory) is never kept:
// a test or a user may replace it, and a kept descriptor would not follow.
TEST(KeepDirOpen, KeepsOnlyProcfsAndSysfsDirectories) {
  TempDir dir;
  dir.Write("net/dev", "x");
  EXPECT_FALSE(KeepDirOpen(dir.path()));
  EXPECT_FALSE(KeepDirOpen("/"));
  EXPECT_FALSE(KeepDirOpen("/nonexistent"));
  Paths fixture;
  fixture.procfs = dir.path();
  fixture.sysfs = dir.path();
  KeepPathDirsOpen(fixture);
  EXPECT_EQ(ResolveKeptDir(dir.path() + "/net/dev").dirfd, AT_FDCWD);
  std::string out;
  EXPECT_TRUE(ReadFile(dir.path() + "/net/dev", out));
  EXPECT_EQ(out, "x");
  CloseKeptDirs();
}

// Below kept directories a path is opened from the deepest one, with the
// results the path itself gives; /proc/net is kept as the process's own
// net directory, the symlink resolved once.
TEST(KeepDirOpen, OpensBelowTheDeepestKeptDirectory) {
  if (!IsProcfsMount("/proc")) GTEST_SKIP() << "/proc is not a procfs mount here";
  std::string cmdline;
  ASSERT_TRUE(ReadFile("/proc/self/cmdline", cmdline));
  auto exe = ReadLink("/proc/self/exe");
  ASSERT_TRUE(exe);
  auto net_names = ListDir("/proc/net");
  ASSERT_FALSE(net_names.empty());

  ASSERT_TRUE(KeepDirOpen("/proc/"));
  ASSERT_TRUE(KeepDirOpen("/proc/net"));
  const std::string dev = "/proc/net/dev", self_cmdline = "/proc/self/cmdline";
  AtPath at = ResolveKeptDir(dev);  // at.rel points into `dev`
  ASSERT_NE(at.dirfd, AT_FDCWD);
  EXPECT_STREQ(at.rel, "dev");
  auto self = ReadLink("/proc/self");  // this process's PID as this procfs numbers it
  ASSERT_TRUE(self);
  EXPECT_EQ(ReadLink("/proc/self/fd/" + std::to_string(at.dirfd)), "/proc/" + *self + "/net");
  at = ResolveKeptDir(self_cmdline);
  ASSERT_NE(at.dirfd, AT_FDCWD);
  EXPECT_STREQ(at.rel, "self/cmdline");
  for (const char* outside : {"/proc", "/proc/", "/procfoo/x", "/sys/class/net", "proc/net/dev"}) {
    EXPECT_EQ(ResolveKeptDir(outside).dirfd, AT_FDCWD) << outside;
  }

  std::string out;
  ASSERT_TRUE(ReadFile("/proc/self/cmdline", out));
  EXPECT_EQ(out, cmdline);
  CachedFile cached("/proc/self/cmdline");
  ASSERT_EQ(cached.Read(out), 0);
  EXPECT_EQ(out, cmdline);
  EXPECT_EQ(ReadLink("/proc/self/exe"), exe);
  EXPECT_EQ(ListDir("/proc/net"), net_names);  // the kept directory itself: from the path
  DirLister lister("/proc/net/stat", /*keep_open=*/false);
  std::vector<DirEntry> entries;
  EXPECT_EQ(lister.List(entries), 0);
  EXPECT_EQ(entries.size(), ListDir("/proc/net/stat").size());
  EXPECT_TRUE(Exists("/proc/net/dev"));
  EXPECT_TRUE(IsDir("/proc/net/stat"));
  EXPECT_FALSE(Exists("/proc/net/no-such-file"));
  int err = 0;
  EXPECT_FALSE(ReadFile("/proc/net/no-such-file", out, &err));
  EXPECT_EQ(err, ENOENT);

  CloseKeptDirs();
  EXPECT_EQ(ResolveKeptDir("/proc/net/dev").dirfd, AT_FDCWD);
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

// Every rule reads a regular file (a fixture tree's) to its end, whatever
// the size of its reads.
TEST(CachedFile, EveryShortReadRuleReadsARegularFileWhole) {
  TempDir dir;
  std::string big;
  for (int i = 0; big.size() < 20000; ++i) big += "line " + std::to_string(i) + "\n";
  dir.Write("big", big);
  for (ShortRead rule : {ShortRead::kUntilEof, ShortRead::kIsEnd, ShortRead::kShortRecords}) {
    CachedFile file(dir.path() + "/big", rule);
    std::string out;
    ASSERT_EQ(file.Read(out), 0);
    EXPECT_EQ(out, big) << static_cast<int>(rule);
  }
}

// kShortRecords on a seq_file of several pages: /proc/net/udp with 100 more
// sockets (a 128-byte line each) is read to its end, every socket in it.
TEST(CachedFile, ShortRecordsReadsAMultiPageSeqFileWhole) {
  if (!IsProcfsMount("/proc/self/net")) GTEST_SKIP() << "/proc is not procfs here";
  std::vector<int> fds;
  std::vector<std::string> ports;
  for (int i = 0; i < 100; ++i) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    char port[16];
    std::snprintf(port, sizeof port, "0100007F:%04X ", ntohs(addr.sin_port));
    ports.push_back(port);
    fds.push_back(fd);
  }
  CachedFile file("/proc/self/net/udp", ShortRead::kShortRecords);
  std::string out;
  ASSERT_EQ(file.Read(out), 0);
  for (int fd : fds) close(fd);
  EXPECT_GT(out.size(), 100u * 128u);
  EXPECT_EQ(out.back(), '\n');
  for (const auto& port : ports) EXPECT_NE(out.find(port), std::string::npos) << port;
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

}  // namespace
}  // namespace node_agent
