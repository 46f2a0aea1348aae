#include "collectors/filesystem.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fuse.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "lib/log.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using namespace std::chrono_literals;
using testing::FixturePath;
using testing::SampleCount;
using testing::TempDir;
using testing::Value;

Labels FsLabels(const std::string& device, const std::string& fstype, const std::string& mountpoint,
                const std::string& error = "") {
  return {{"device", device}, {"device_error", error}, {"fstype", fstype}, {"mountpoint", mountpoint}};
}

TEST(ParseMountInfo, ReadsFieldsAndSkipsMalformedLines) {
  auto content = ReadFile(FixturePath("filesystem/proc/1/mountinfo"));
  ASSERT_TRUE(content);
  auto mounts = ParseMountInfo(*content);
  ASSERT_EQ(mounts.size(), 18u);  // 19 lines, one malformed
  const auto& root = mounts[5];
  EXPECT_EQ(root.mount_point, "/");
  EXPECT_EQ(root.major_minor, "259:1");
  EXPECT_EQ(root.fs_type, "ext4");
  EXPECT_EQ(root.source, "/dev/root");
  EXPECT_EQ(root.options, "rw,relatime");
  EXPECT_EQ(root.super_options, "rw,discard,errors=remount-ro");
  EXPECT_EQ(mounts[12].mount_point, "/mnt/shared\\040dir");  // unescaped by the collector
  // No optional fields, empty source: still parsed positionally.
  auto m = ParseMountInfo("36 35 98:0 / /mnt rw - tmpfs  rw\n1 2 3\n");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].source, "");
  EXPECT_EQ(m[0].fs_type, "tmpfs");
}

TEST(HasReadOnlyOption, MatchesWholeOptionOnly) {
  EXPECT_TRUE(HasReadOnlyOption("ro"));
  EXPECT_TRUE(HasReadOnlyOption("ro,relatime"));
  EXPECT_TRUE(HasReadOnlyOption("nodev,ro"));
  EXPECT_FALSE(HasReadOnlyOption("rw,errors=remount-ro"));
  EXPECT_FALSE(HasReadOnlyOption("rorelatime"));
  EXPECT_FALSE(HasReadOnlyOption(""));
}

TEST(ParseGoDuration, Units) {
  EXPECT_EQ(ParseGoDuration("5s"), std::chrono::nanoseconds(5s));
  EXPECT_EQ(ParseGoDuration("250ms"), std::chrono::nanoseconds(250ms));
  EXPECT_EQ(ParseGoDuration("1m30s"), std::chrono::nanoseconds(90s));
  EXPECT_EQ(ParseGoDuration("1.5h"), std::chrono::nanoseconds(5400s));
  EXPECT_EQ(ParseGoDuration("0"), std::chrono::nanoseconds(0));
  EXPECT_EQ(ParseGoDuration("5"), std::nullopt);
  EXPECT_EQ(ParseGoDuration("5x"), std::nullopt);
  EXPECT_EQ(ParseGoDuration(""), std::nullopt);
}

// Found by tests/fuzz/go_duration: past int64 nanoseconds the conversion was
// undefined (UBSan: "outside the range of representable values"); Go says invalid.
TEST(ParseGoDuration, OverflowIsInvalid) {
  EXPECT_EQ(ParseGoDuration("0h4444444444444444444444444h"), std::nullopt);
  EXPECT_EQ(ParseGoDuration("-9223372037s"), std::nullopt);
  EXPECT_EQ(ParseGoDuration("2562047h"), std::chrono::nanoseconds(std::chrono::hours(2562047)));
}

TEST(GoErrnoString, LowercaseLikeGo) {
  EXPECT_EQ(GoErrnoString(ENOENT), "no such file or directory");
  EXPECT_EQ(GoErrnoString(EACCES), "permission denied");
  EXPECT_EQ(GoErrnoString(ESTALE), "stale NFS file handle");
}

// A statfs that reports sizes derived from the path, and errors for some.
struct FakeStatfs {
  std::mutex mu;
  std::vector<std::string> calls;
  std::map<std::string, int> errors;  // path suffix -> errno
  int operator()(const std::string& path, struct statfs* out) {
    {
      std::lock_guard<std::mutex> lock(mu);
      calls.push_back(path);
      for (const auto& [suffix, err] : errors) {
        if (path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
          return err;
        }
      }
    }
    std::memset(out, 0, sizeof *out);
    out->f_bsize = 4096;
    out->f_blocks = 1000 + path.size();
    out->f_bfree = 500;
    out->f_bavail = 400;
    out->f_files = 6400;
    out->f_ffree = 6000;
    return 0;
  }
};

TEST(FilesystemCollector, ReportsMountsLikeNodeExporter) {
  auto paths = testing::FixturePaths(FixturePath("filesystem"));
  auto fake = std::make_shared<FakeStatfs>();
  fake->errors["/mnt/efs"] = ESTALE;
  FilesystemOptions options;
  options.statfs = [fake](const std::string& p, struct statfs* s) { return (*fake)(p, s); };
  auto collector = NewFilesystemCollector(paths, options);
  MetricSet set;
  collector->Collect(set);

  // Default excludes drop /dev, /proc, /sys, docker's overlays, squashfs, cgroup2.
  EXPECT_EQ(SampleCount(set, "node_filesystem_device_error"), 8u);
  const std::string root = paths.rootfs;  // "/" is statted as rootfs itself, as Go's filepath.Join
  auto root_labels = FsLabels("/dev/root", "ext4", "/");
  EXPECT_EQ(Value(set, "node_filesystem_device_error", root_labels), 0);
  EXPECT_EQ(Value(set, "node_filesystem_size_bytes", root_labels), (1000.0 + root.size()) * 4096);
  EXPECT_EQ(Value(set, "node_filesystem_free_bytes", root_labels), 500.0 * 4096);
  EXPECT_EQ(Value(set, "node_filesystem_avail_bytes", root_labels), 400.0 * 4096);
  EXPECT_EQ(Value(set, "node_filesystem_files", root_labels), 6400);
  EXPECT_EQ(Value(set, "node_filesystem_files_free", root_labels), 6000);
  EXPECT_EQ(Value(set, "node_filesystem_readonly", root_labels), 0);
  EXPECT_EQ(Value(set, "node_filesystem_mount_info",
                  {{"device", "/dev/root"}, {"major", "259"}, {"minor", "1"}, {"mountpoint", "/"}}),
            1);
  // Escaped space in the mount point; statfs goes to the path under rootfs.
  EXPECT_EQ(Value(set, "node_filesystem_device_error", FsLabels("/dev/nvme1n1", "xfs", "/mnt/shared dir")), 0);
  // Per-mount "ro" makes a bind mount read-only even when the superblock is rw.
  EXPECT_EQ(Value(set, "node_filesystem_readonly", FsLabels("/dev/root", "ext4", "/srv/readonly")), 1);
  // A failing statfs: device_error names the error; only it and readonly are exported.
  auto efs = FsLabels("fs-0123abcd.efs.us-west-2.amazonaws.com:/", "nfs4", "/mnt/efs", "stale NFS file handle");
  EXPECT_EQ(Value(set, "node_filesystem_device_error", efs), 1);
  EXPECT_EQ(Value(set, "node_filesystem_readonly", efs), 0);
  EXPECT_EQ(Value(set, "node_filesystem_size_bytes", efs), -12345.678);
  EXPECT_EQ(SampleCount(set, "node_filesystem_size_bytes"), 7u);
  EXPECT_EQ(SampleCount(set, "node_filesystem_mount_info"), 7u);

  std::set<std::string> called(fake->calls.begin(), fake->calls.end());
  EXPECT_TRUE(called.count(root + "/mnt/shared dir"));
  EXPECT_TRUE(called.count(root + "/boot/efi"));
  EXPECT_FALSE(called.count(root + "/proc"));
  EXPECT_EQ(fake->calls.size(), 9u);  // the duplicate "/" line is statted, exported once

  std::string text = testing::Serialize(set);
  EXPECT_NE(text.find("# TYPE node_filesystem_size_bytes gauge"), std::string::npos);
}

TEST(FilesystemCollector, IncludeFiltersAndSelfFallback) {
  TempDir dir;
  auto content = ReadFile(FixturePath("filesystem/proc/1/mountinfo"));
  ASSERT_TRUE(content);
  dir.Write("proc/self/mountinfo", *content);  // no proc/1: hidepid
  auto paths = testing::FixturePaths(dir.path());
  auto fake = std::make_shared<FakeStatfs>();
  FilesystemOptions options;
  options.statfs = [fake](const std::string& p, struct statfs* s) { return (*fake)(p, s); };
  options.mount_points_exclude.clear();
  options.mount_points_include = "^/(mnt|proc)/";
  options.fs_types_exclude = "^nfs";
  auto collector = NewFilesystemCollector(paths, options);
  MetricSet set;
  collector->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_filesystem_device_error"), 2u);
  EXPECT_EQ(Value(set, "node_filesystem_device_error", FsLabels("/dev/nvme1n1", "xfs", "/mnt/data")), 0);
  EXPECT_EQ(Value(set, "node_filesystem_device_error", FsLabels("/dev/nvme1n1", "xfs", "/mnt/shared dir")), 0);
}

TEST(FilesystemCollector, FollowsMountTableChanges) {
  TempDir dir;
  dir.Write("proc/1/mountinfo", "28 1 259:1 / / rw,relatime - ext4 /dev/root rw\n");
  auto fake = std::make_shared<FakeStatfs>();
  FilesystemOptions options;
  options.statfs = [fake](const std::string& p, struct statfs* s) { return (*fake)(p, s); };
  auto reads = std::make_shared<int>(0);
  options.on_mountinfo_read = [reads] { ++*reads; };
  auto collector = NewFilesystemCollector(testing::FixturePaths(dir.path()), options);
  MetricSet before;
  collector->Collect(before);
  EXPECT_EQ(SampleCount(before, "node_filesystem_size_bytes"), 1u);
  // A fixture file raises no change event: it is read every scrape.
  MetricSet again;
  collector->Collect(again);
  EXPECT_EQ(*reads, 2);
  dir.Write("proc/1/mountinfo",
            "28 1 259:1 / / rw,relatime - ext4 /dev/root rw\n"
            "70 28 259:5 / /data ro,noatime - xfs /dev/nvme1n1 rw\n");
  MetricSet after;
  collector->Collect(after);
  EXPECT_EQ(SampleCount(after, "node_filesystem_size_bytes"), 2u);
  EXPECT_EQ(Value(after, "node_filesystem_readonly", FsLabels("/dev/nvme1n1", "xfs", "/data")), 1);
  EXPECT_EQ(*reads, 3);
}

// ---------------------------------------------------------------------------
// The live mount table: mounts made and removed in a private mount namespace
// (the test runs itself again under `unshare -m`, as root) must show in the
// next scrape, while a scrape with no change reads nothing.

constexpr const char* kMountNsChildEnv = "NODE_AGENT_TEST_IN_MOUNT_NS";

// Runs the current test again in a new private mount namespace; false (with
// `why`) when that cannot be done here.
bool RunInMountNamespace(std::string* why, std::string* output) {
  if (::geteuid() != 0) {
    *why = "needs root for unshare -m";
    return false;
  }
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string cmd = std::string(kMountNsChildEnv) +
                    "=1 unshare -m --propagation private /proc/" + std::to_string(::getpid()) +
                    "/exe --gtest_filter=" + info->test_suite_name() + "." + info->name() + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) {
    *why = "popen failed";
    return false;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  int status = ::pclose(p);
  // unshare itself failing (a chroot or container without mount namespaces:
  // "unshare: cannot change root filesystem propagation", "unshare: unshare
  // failed: Operation not permitted") means the test never ran there.
  const bool ran = output->find("[ RUN      ]") != std::string::npos;
  if (output->find("[  SKIPPED ]") != std::string::npos || (!ran && output->find("unshare") != std::string::npos)) {
    *why = "could not run in a new mount namespace:\n" + *output;
    return false;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) *output += "\n(exit status " + std::to_string(status) + ")";
  return true;
}

// fspick(2) + fsconfig(2): make a superblock read-only without a remount of
// the mount, the way the kernel does for errors=remount-ro: no mount event.
int ReconfigureReadOnly(const std::string& path) {
#if defined(SYS_fspick) && defined(SYS_fsconfig)
  constexpr unsigned kFsconfigSetFlag = 0, kFsconfigCmdReconfigure = 7;  // <linux/mount.h>
  int fd = static_cast<int>(::syscall(SYS_fspick, AT_FDCWD, path.c_str(), 0));
  if (fd < 0) return errno;
  int err = 0;
  if (::syscall(SYS_fsconfig, fd, kFsconfigSetFlag, "ro", nullptr, 0) != 0 ||
      ::syscall(SYS_fsconfig, fd, kFsconfigCmdReconfigure, nullptr, nullptr, 0) != 0) {
    err = errno;
  }
  ::close(fd);
  return err;
#else
  (void)path;
  return ENOSYS;
#endif
}

// Whether the kernel flagged a change on the open mountinfo `fd` (and clears it).
bool MountEventPending(int fd) {
  pollfd p{fd, POLLPRI, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & POLLPRI);
}

TEST(FilesystemCollector, LiveMountTableIsReadOnlyWhenItChanges) {
  if (!std::getenv(kMountNsChildEnv)) {
    std::string why, output;
    if (!RunInMountNamespace(&why, &output)) GTEST_SKIP() << why;
    EXPECT_NE(output.find("[  PASSED  ] 1 test"), std::string::npos) << output;
    return;
  }
  // In the private namespace now.
  TempDir dir;
  std::string mnt = dir.path() + "/mnt";
  std::filesystem::create_directories(mnt);
  std::filesystem::create_directories(dir.path() + "/proc/1");
  std::filesystem::create_symlink("/proc/self/mountinfo", dir.path() + "/proc/1/mountinfo");
  Paths paths;
  paths.procfs = dir.path() + "/proc";
  FilesystemOptions options;
  options.mount_points_exclude.clear();
  options.mount_points_include = "^" + dir.path() + "/";
  auto reads = std::make_shared<int>(0);
  options.on_mountinfo_read = [reads] { ++*reads; };
  auto collector = NewFilesystemCollector(paths, options);
  auto tmpfs = FsLabels("nodeagenttest", "tmpfs", mnt);

  MetricSet none;
  collector->Collect(none);
  EXPECT_EQ(SampleCount(none, "node_filesystem_size_bytes"), 0u);
  EXPECT_EQ(*reads, 1);
  MetricSet unchanged;
  collector->Collect(unchanged);
  EXPECT_EQ(*reads, 1) << "a scrape with no mount table change read mountinfo";

  ASSERT_EQ(::mount("nodeagenttest", mnt.c_str(), "tmpfs", 0, "size=1m"), 0) << std::strerror(errno);
  MetricSet mounted;
  collector->Collect(mounted);
  EXPECT_EQ(*reads, 2);
  EXPECT_EQ(Value(mounted, "node_filesystem_device_error", tmpfs), 0) << testing::Serialize(mounted);
  EXPECT_EQ(Value(mounted, "node_filesystem_size_bytes", tmpfs), 1024.0 * 1024);
  EXPECT_EQ(Value(mounted, "node_filesystem_readonly", tmpfs), 0);
  MetricSet again;
  collector->Collect(again);
  EXPECT_EQ(*reads, 2);
  EXPECT_EQ(testing::Serialize(again), testing::Serialize(mounted));

  // A remount is an event too.
  ASSERT_EQ(::mount(nullptr, mnt.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr), 0)
      << std::strerror(errno);
  MetricSet remounted;
  collector->Collect(remounted);
  EXPECT_EQ(*reads, 3);
  EXPECT_EQ(Value(remounted, "node_filesystem_readonly", tmpfs), 1);
  ASSERT_EQ(::mount(nullptr, mnt.c_str(), nullptr, MS_REMOUNT | MS_BIND, nullptr), 0) << std::strerror(errno);
  MetricSet rw;
  collector->Collect(rw);
  EXPECT_EQ(Value(rw, "node_filesystem_readonly", tmpfs), 0);
  const int reads_rw = *reads;

  // The superblock turned read-only without a mount event: statfs's
  // ST_RDONLY disagrees with the table, which is read again.
  int watch = ::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(watch, 0);
  if (int err = ReconfigureReadOnly(mnt); err != 0) {
    std::cout << "fsconfig reconfigure not available (" << std::strerror(err) << "): skipping that part\n";
  } else {
    std::cout << "mount event on fsconfig reconfigure: " << MountEventPending(watch) << "\n";
    MetricSet sb_ro;
    collector->Collect(sb_ro);
    EXPECT_EQ(*reads, reads_rw + 1);
    EXPECT_EQ(Value(sb_ro, "node_filesystem_readonly", tmpfs), 1) << testing::Serialize(sb_ro);
    MetricSet settled;
    collector->Collect(settled);
    EXPECT_EQ(*reads, reads_rw + 1) << "table and statfs agree again: no more reads";
  }
  ::close(watch);

  ASSERT_EQ(::umount2(mnt.c_str(), MNT_DETACH), 0) << std::strerror(errno);
  MetricSet gone;
  collector->Collect(gone);
  EXPECT_EQ(SampleCount(gone, "node_filesystem_size_bytes"), 0u);
  EXPECT_EQ(Value(gone, "node_filesystem_device_error", tmpfs), -12345.678);
}

TEST(FilesystemCollector, MissingMountinfoFailsTheCollector) {
  TempDir dir;
  auto collector = NewFilesystemCollector(testing::FixturePaths(dir.path()), {});
  MetricSet set;
  EXPECT_THROW(collector->Collect(set), std::runtime_error);
}

TEST(FilesystemCollector, BadFilterRegexNamesTheFlag) {
  FilesystemOptions options;
  options.fs_types_exclude = "(";
  try {
    NewFilesystemCollector(Paths{}, options);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("fs-types-exclude"), std::string::npos);
  }
}

// A statfs that blocks on one mount until released.
struct BlockingStatfs {
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  std::string blocked_suffix;
  std::atomic<int> blocked_calls{0};
  std::atomic<int> returned_blocked_calls{0};
  FakeStatfs fake;
  int operator()(const std::string& path, struct statfs* out) {
    if (path.size() >= blocked_suffix.size() &&
        path.compare(path.size() - blocked_suffix.size(), blocked_suffix.size(), blocked_suffix) == 0) {
      ++blocked_calls;
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return released; });
      ++returned_blocked_calls;
    }
    return fake(path, out);
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu);
    released = true;
    cv.notify_all();
  }
};

TEST(FilesystemCollector, StuckMountNeverHangsTheScrape) {
  auto paths = testing::FixturePaths(FixturePath("filesystem"));
  auto blocking = std::make_shared<BlockingStatfs>();
  blocking->blocked_suffix = "/mnt/efs";
  FilesystemOptions options;
  options.mount_timeout = 200ms;
  options.stat_workers = 2;
  options.statfs = [blocking](const std::string& p, struct statfs* s) { return (*blocking)(p, s); };
  auto collector = NewFilesystemCollector(paths, options);
  auto efs_ok = FsLabels("fs-0123abcd.efs.us-west-2.amazonaws.com:/", "nfs4", "/mnt/efs");
  auto efs_stuck = FsLabels("fs-0123abcd.efs.us-west-2.amazonaws.com:/", "nfs4", "/mnt/efs", "mountpoint timeout");
  auto data = FsLabels("/dev/nvme1n1", "xfs", "/mnt/data");

  auto start = std::chrono::steady_clock::now();
  MetricSet first;
  collector->Collect(first);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 1500ms);
  EXPECT_EQ(Value(first, "node_filesystem_device_error", efs_stuck), 1);
  EXPECT_EQ(Value(first, "node_filesystem_size_bytes", efs_stuck), -12345.678);
  EXPECT_EQ(Value(first, "node_filesystem_device_error", data), 0);
  EXPECT_GT(Value(first, "node_filesystem_size_bytes", data), 0);
  EXPECT_EQ(SampleCount(first, "node_filesystem_size_bytes"), 7u);  // every other mount still reported

  // While stuck: skipped at once (not statted again, so nothing to wait
  // for), still reported.
  MetricSet second;
  collector->Collect(second);
  EXPECT_EQ(Value(second, "node_filesystem_device_error", efs_stuck), 1);
  EXPECT_EQ(SampleCount(second, "node_filesystem_size_bytes"), 7u);
  EXPECT_EQ(blocking->blocked_calls.load(), 1);

  // Unblocked: the mount recovers and is reported normally again.
  blocking->Release();
  for (int i = 0; i < 100 && blocking->returned_blocked_calls.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  bool recovered = false;
  for (int i = 0; i < 100 && !recovered; ++i) {
    MetricSet after;
    collector->Collect(after);
    if (Value(after, "node_filesystem_device_error", efs_ok) == 0) {
      recovered = true;
      EXPECT_GT(Value(after, "node_filesystem_size_bytes", efs_ok), 0);
      EXPECT_EQ(Value(after, "node_filesystem_device_error", efs_stuck), -12345.678);
    } else {
      std::this_thread::sleep_for(10ms);
    }
  }
  EXPECT_TRUE(recovered);
}

TEST(FilesystemCollector, AllWorkersStuckStillServesOtherMounts) {
  auto paths = testing::FixturePaths(FixturePath("filesystem"));
  auto blocking = std::make_shared<BlockingStatfs>();
  blocking->blocked_suffix = "/mnt/data";
  FilesystemOptions options;
  options.mount_timeout = 100ms;
  options.stat_workers = 1;  // the worker gets stuck; a replacement takes over the rest
  options.statfs = [blocking](const std::string& p, struct statfs* s) { return (*blocking)(p, s); };
  auto collector = NewFilesystemCollector(paths, options);
  MetricSet set;
  collector->Collect(set);
  EXPECT_EQ(Value(set, "node_filesystem_device_error", FsLabels("/dev/nvme1n1", "xfs", "/mnt/data", "mountpoint timeout")),
            1);
  EXPECT_EQ(SampleCount(set, "node_filesystem_size_bytes"), 7u);  // the 7 other mounts
  blocking->Release();
  for (int i = 0; i < 100 && blocking->returned_blocked_calls.load() == 0; ++i) std::this_thread::sleep_for(10ms);
}

// A statfs that takes `delay` on every mount and records how many calls ran at once.
struct SlowStatfs {
  std::chrono::milliseconds delay{0};
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  std::atomic<int> calls{0};
  FakeStatfs fake;
  int operator()(const std::string& path, struct statfs* out) {
    int now = ++in_flight;
    for (int seen = max_in_flight.load(); now > seen && !max_in_flight.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(delay);
    --in_flight;
    ++calls;
    return fake(path, out);
  }
};

// Slow mounts (network file systems) are statted several at once, up to
// --collector.filesystem.stat-workers; fast ones one after another.
TEST(FilesystemCollector, SlowMountsAreStattedConcurrently) {
  auto paths = testing::FixturePaths(FixturePath("filesystem"));
  auto fast = std::make_shared<SlowStatfs>();
  FilesystemOptions fast_options;
  fast_options.statfs = [fast](const std::string& p, struct statfs* s) { return (*fast)(p, s); };
  MetricSet fast_set;
  NewFilesystemCollector(paths, fast_options)->Collect(fast_set);
  EXPECT_EQ(fast->max_in_flight.load(), 1) << "local-speed calls share one worker";
  const int mounts = fast->calls.load();
  ASSERT_GE(mounts, 4);

  for (int workers : {1, 3}) {
    auto slow = std::make_shared<SlowStatfs>();
    slow->delay = 60ms;  // far past the 10 ms after which another worker joins
    FilesystemOptions options;
    options.stat_workers = workers;
    options.statfs = [slow](const std::string& p, struct statfs* s) { return (*slow)(p, s); };
    MetricSet set;
    NewFilesystemCollector(paths, options)->Collect(set);
    EXPECT_EQ(slow->calls.load(), mounts) << workers;
    EXPECT_EQ(SampleCount(set, "node_filesystem_size_bytes"), SampleCount(fast_set, "node_filesystem_size_bytes"));
    EXPECT_EQ(slow->max_in_flight.load(), workers) << "stat-workers " << workers;
  }
}

// ---------------------------------------------------------------------------
// A real stuck mount: a FUSE file system whose "daemon" is this test. Until
// the test answers, the kernel blocks every statfs on it. Needs /dev/fuse and
// CAP_SYS_ADMIN; skipped elsewhere.

class TestFuse {
 public:
  ~TestFuse() {
    Stop();
    if (mounted_) ::umount2(mount_point_.c_str(), MNT_DETACH);
    if (fd_ >= 0) ::close(fd_);
  }

  bool Mount(const std::string& mount_point, std::string* why) {
    mount_point_ = mount_point;
    fd_ = ::open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (fd_ < 0) {
      *why = std::string("open /dev/fuse: ") + std::strerror(errno);
      return false;
    }
    std::string opts = "fd=" + std::to_string(fd_) + ",rootmode=40000,user_id=0,group_id=0";
    if (::mount("nodeagenttest", mount_point.c_str(), "fuse.nodeagenttest", MS_NOSUID | MS_NODEV,
                opts.c_str()) != 0) {
      *why = std::string("mount fuse: ") + std::strerror(errno);
      return false;
    }
    mounted_ = true;
    return true;
  }

  // Starts answering requests: INIT, STATFS and GETATTR.
  void Serve() {
    server_ = std::thread([this] {
      std::vector<char> buf(1 << 20);
      while (!stop_) {
        ssize_t n = ::read(fd_, buf.data(), buf.size());
        if (n < 0) {
          if (errno == EINTR || errno == ENOENT) continue;
          return;  // ENODEV: unmounted
        }
        auto* in = reinterpret_cast<fuse_in_header*>(buf.data());
        switch (in->opcode) {
          case FUSE_INIT: {
            auto* init = reinterpret_cast<fuse_init_in*>(in + 1);
            fuse_init_out out{};
            out.major = FUSE_KERNEL_VERSION;
            out.minor = std::min<uint32_t>(init->minor, FUSE_KERNEL_MINOR_VERSION);
            out.max_write = 4096;
            out.max_readahead = init->max_readahead;
            Reply(in->unique, 0, &out, sizeof out);
            break;
          }
          case FUSE_STATFS: {
            fuse_statfs_out out{};
            out.st.blocks = 1000;
            out.st.bfree = 300;
            out.st.bavail = 200;
            out.st.files = 50;
            out.st.ffree = 40;
            out.st.bsize = 4096;
            out.st.frsize = 4096;
            out.st.namelen = 255;
            Reply(in->unique, 0, &out, sizeof out);
            break;
          }
          case FUSE_GETATTR: {
            fuse_attr_out out{};
            out.attr.ino = 1;
            out.attr.mode = 040755;
            out.attr.nlink = 2;
            Reply(in->unique, 0, &out, sizeof out);
            break;
          }
          case FUSE_FORGET:
          case FUSE_BATCH_FORGET: break;
          default: Reply(in->unique, -ENOSYS, nullptr, 0); break;
        }
      }
    });
  }

  void Stop() {
    stop_ = true;
    if (server_.joinable()) {
      ::umount2(mount_point_.c_str(), MNT_DETACH);  // wakes the reader with ENODEV
      mounted_ = false;
      server_.join();
    }
  }

 private:
  void Reply(uint64_t unique, int error, const void* body, size_t size) {
    std::vector<char> msg(sizeof(fuse_out_header) + size);
    auto* out = reinterpret_cast<fuse_out_header*>(msg.data());
    out->len = static_cast<uint32_t>(msg.size());
    out->error = error;
    out->unique = unique;
    if (size) std::memcpy(msg.data() + sizeof(fuse_out_header), body, size);
    (void)!::write(fd_, msg.data(), msg.size());
  }

  std::string mount_point_;
  int fd_ = -1;
  bool mounted_ = false;
  std::atomic<bool> stop_{false};
  std::thread server_;
};

TEST(FilesystemCollector, RealFuseMountThatHangsIsReportedAndRecovers) {
  TempDir dir;
  std::string mnt = dir.path() + "/fuse";
  std::filesystem::create_directories(mnt);
  TestFuse fuse;
  std::string why;
  if (!fuse.Mount(mnt, &why)) GTEST_SKIP() << "cannot mount a test FUSE file system here: " << why;

  // Read the live mount table through a procfs root whose 1/mountinfo is ours.
  std::filesystem::create_directories(dir.path() + "/proc/1");
  std::filesystem::create_symlink("/proc/self/mountinfo", dir.path() + "/proc/1/mountinfo");
  Paths paths;
  paths.procfs = dir.path() + "/proc";
  FilesystemOptions options;
  options.mount_timeout = 300ms;
  options.mount_points_exclude.clear();
  options.mount_points_include = "^" + dir.path() + "/";
  auto fuse_calls = std::make_shared<std::atomic<int>>(0);
  options.statfs = [fuse_calls, mnt](const std::string& p, struct statfs* s) {
    if (p == mnt) ++*fuse_calls;
    return ::statfs(p.c_str(), s) == 0 ? 0 : errno;
  };
  auto collector = NewFilesystemCollector(paths, options);
  auto ok = FsLabels("nodeagenttest", "fuse.nodeagenttest", mnt);
  auto stuck = FsLabels("nodeagenttest", "fuse.nodeagenttest", mnt, "mountpoint timeout");

  auto start = std::chrono::steady_clock::now();
  MetricSet first;
  collector->Collect(first);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(Value(first, "node_filesystem_device_error", stuck), 1) << testing::Serialize(first);

  // Skipped at once: not statted again, so nothing to wait for.
  MetricSet second;
  collector->Collect(second);
  EXPECT_EQ(fuse_calls->load(), 1);
  EXPECT_EQ(Value(second, "node_filesystem_device_error", stuck), 1);

  fuse.Serve();  // the file system answers now: the blocked statfs returns
  bool recovered = false;
  for (int i = 0; i < 200 && !recovered; ++i) {
    MetricSet after;
    collector->Collect(after);
    if (Value(after, "node_filesystem_device_error", ok) == 0) {
      recovered = true;
      EXPECT_EQ(Value(after, "node_filesystem_size_bytes", ok), 1000.0 * 4096);
      EXPECT_EQ(Value(after, "node_filesystem_avail_bytes", ok), 200.0 * 4096);
      EXPECT_EQ(Value(after, "node_filesystem_files_free", ok), 40);
    } else {
      std::this_thread::sleep_for(10ms);
    }
  }
  EXPECT_TRUE(recovered);
  fuse.Stop();
}

}  // namespace
}  // namespace node_agent
