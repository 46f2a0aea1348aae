#include "collectors/filesystem.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <poll.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <tuple>

#include "lib/device_filter.h"
#include "lib/log.h"

namespace node_agent {

bool HasReadOnlyOption(std::string_view options) {
  size_t start = 0;
  for (;;) {
    auto comma = options.find(',', start);
    if (options.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start) == "ro") {
      return true;
    }
    if (comma == std::string_view::npos) return false;
    start = comma + 1;
  }
}

std::string GoErrnoString(int err) {
  // Go's table differs from glibc's strerror in case, and in a few texts.
  if (err == ESTALE) return "stale NFS file handle";
  std::string s = std::strerror(err);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

namespace {

constexpr std::string_view kTimeoutError = "mountpoint timeout";

// What a scrape reports of one mount's statfs.
struct StatResult {
  bool timed_out = false;  // reported with device_error "mountpoint timeout"
  int err = 0;
  struct statfs buf {};
};

// One mount's statfs in a scrape's batch.
struct StatItem {
  std::string mount_point;  // the label value; the stuck-mount key
  std::string path;         // what is statted (under --path.rootfs)
  bool abandoned = false;   // the collector stopped waiting for this call
  bool running = false;     // a worker is in this statfs
  std::chrono::steady_clock::time_point started;  // of the running call
  StatResult result;
};

// One scrape's statfs calls, taken in order by the workers serving the batch:
// normally one worker and a single hand-off (two futex wake-ups) per scrape
// instead of one per mount, as a local statfs takes microseconds. When a call
// is slow (a network file system), another worker joins, up to
// --collector.filesystem.stat-workers, so slow mounts are statted at once as
// node_exporter's workers do. When a call blocks past the timeout, the
// collector abandons that worker and, if calls are left, adds a fresh one.
struct StatBatch {
  std::vector<StatItem> items;  // never resized once handed off
  size_t next = 0;              // first item no worker has taken yet
  size_t finished = 0;          // items done, skipped or abandoned
  int workers = 0;              // workers serving it, or asked to
};

// A statfs running this long has another worker take the next calls.
constexpr auto kSlowStatfs = std::chrono::milliseconds(10);

// Shared by the collector and its worker threads; the threads are detached
// and hold it (and their batch) by shared_ptr, so a thread stuck in statfs
// may outlive the collector safely.
struct StatPool {
  std::mutex mu;
  std::condition_variable work_cv;
  std::condition_variable done_cv;
  std::shared_ptr<StatBatch> pending;  // a batch waiting for a worker
  // Mount points whose statfs has timed out and not returned yet.
  std::set<std::string> stuck;
  int idle = 0;  // workers waiting for a batch
  bool stopping = false;
  StatfsFunction statfs;
};

// Serves `batch` from its next item, with pool.mu held (released around each
// statfs). False when the collector abandoned this thread in a blocked call.
bool RunBatch(StatPool& pool, StatBatch& batch, std::unique_lock<std::mutex>& lock) {
  while (batch.next < batch.items.size()) {
    StatItem& item = batch.items[batch.next++];
    if (item.result.timed_out) continue;  // counted finished when the batch was made
    if (pool.stuck.count(item.mount_point)) {
      // An earlier call on this mount is still blocked: don't pile up threads on it.
      item.result.timed_out = true;
      ++batch.finished;
      continue;
    }
    item.running = true;
    item.started = std::chrono::steady_clock::now();
    lock.unlock();
    struct statfs buf {};
    int err = pool.statfs(item.path, &buf);
    lock.lock();
    item.running = false;
    if (item.abandoned) {
      // The scrape gave up on this call (and counted this worker out); this
      // thread only reports the recovery and ends.
      pool.stuck.erase(item.mount_point);
      log::Info("mount point has recovered, monitoring will resume", {{"mountpoint", item.mount_point}});
      return false;
    }
    item.result.err = err;
    item.result.buf = buf;
    ++batch.finished;
  }
  --batch.workers;
  if (batch.finished == batch.items.size()) {
    // Wake the collector with the mutex released, so that it does not wake
    // only to block on it (a futex wait and wake more per scrape).
    lock.unlock();
    pool.done_cv.notify_all();
    lock.lock();
  }
  return true;
}

void WorkerLoop(std::shared_ptr<StatPool> pool) {
  std::unique_lock<std::mutex> lock(pool->mu);
  for (;;) {
    ++pool->idle;
    pool->work_cv.wait(lock, [&] { return pool->stopping || pool->pending; });
    --pool->idle;
    if (pool->stopping) return;
    auto batch = std::move(pool->pending);
    pool->pending.reset();
    if (!RunBatch(*pool, *batch, lock)) return;
  }
}

// Has one more worker serve `batch`: an idle one, or a new thread. The caller
// holds pool->mu through `lock`, released while the worker is woken (so that
// it does not wake only to block on the mutex). False while an earlier
// hand-off has not been picked up yet (pending holds one batch).
bool HandOff(const std::shared_ptr<StatPool>& pool, const std::shared_ptr<StatBatch>& batch,
             std::unique_lock<std::mutex>& lock) {
  if (pool->pending) {
    // A finished earlier batch's extra worker, never picked up: drop it.
    if (pool->pending->finished < pool->pending->items.size()) return false;
    --pool->pending->workers;
    pool->pending.reset();
  }
  pool->pending = batch;
  ++batch->workers;
  if (pool->idle > 0) {
    lock.unlock();
    pool->work_cv.notify_one();
    lock.lock();
  } else {
    std::thread(WorkerLoop, pool).detach();
  }
  return true;
}

struct FsLabels {
  std::string device, mount_point, fs_type, major, minor, device_error;
  auto Key() const { return std::tie(device, mount_point, fs_type, major, minor, device_error); }
  bool operator<(const FsLabels& o) const { return Key() < o.Key(); }
};

class FilesystemCollector : public Collector {
 public:
  FilesystemCollector(const Paths& paths, FilesystemOptions options)
      : paths_(paths),
        options_(std::move(options)),
        mount_point_filter_("collector.filesystem.mount-points-exclude", options_.mount_points_exclude,
                            "collector.filesystem.mount-points-include", options_.mount_points_include),
        fs_type_filter_("collector.filesystem.fs-types-exclude", options_.fs_types_exclude,
                        "collector.filesystem.fs-types-include", options_.fs_types_include),
        root_mountinfo_(paths.Proc("1/mountinfo")),
        self_mountinfo_(paths.Proc("self/mountinfo")),
        pool_(std::make_shared<StatPool>()) {
    pool_->statfs = options_.statfs ? options_.statfs : [](const std::string& path, struct statfs* out) {
      return ::statfs(path.c_str(), out) == 0 ? 0 : errno;
    };
  }

  ~FilesystemCollector() override {
    std::lock_guard<std::mutex> lock(pool_->mu);
    pool_->stopping = true;
    pool_->work_cv.notify_all();
  }

  void Collect(MetricSet& out) override {
    // The mount table rarely changes. On a real procfs the open mountinfo
    // file says when it did (a zero-timeout poll costs a fraction of
    // generating the text again); a fixture file is read every scrape.
    const bool reread = !table_valid_ || !polling_ || MountTableChanged();
    if (reread) LoadMountTable();

    std::vector<Entry> entries;
    entries.reserve(mounts_.size());
    for (const auto& mount : mounts_) entries.push_back(Entry{mount.labels, mount.ro, {}});

    RunStats(entries);

    // One change to the text raises no mount event: a superblock turned
    // read-only by the file system itself (errors=remount-ro) or by an
    // fsconfig(2) reconfigure. statfs's ST_RDONLY is set exactly when the
    // mount or its superblock is read-only, the two "ro" the table would
    // show: when it disagrees, read the table again.
    if (!reread && ReadOnlyMismatch(entries)) {
      LoadMountTable();
      for (auto& e : entries) {
        for (const auto& m : mounts_) {
          if (m.labels.Key() == e.labels.Key()) {
            e.ro = m.ro;
            break;
          }
        }
      }
    }

    std::set<FsLabels> seen;
    std::set<std::pair<std::string, std::string>> seen_info;
    for (auto& e : entries) {
      const StatResult& job = e.result;
      if (job.timed_out) {
        e.labels.device_error = std::string(kTimeoutError);
      } else if (job.err != 0) {
        e.labels.device_error = GoErrnoString(job.err);
        log::Debug("error on statfs() system call", {{"rootfs", paths_.Root(e.labels.mount_point)}, {"err", e.labels.device_error}});
      }
      if (!seen.insert(e.labels).second) continue;
      const auto& l = e.labels;
      Labels labels = {{"device", l.device}, {"device_error", l.device_error}, {"fstype", l.fs_type},
                       {"mountpoint", l.mount_point}};
      const bool failed = !l.device_error.empty();
      out.Gauge("node_filesystem_device_error",
                "Whether an error occurred while getting statistics for the given device.", labels, failed ? 1 : 0);
      out.Gauge("node_filesystem_readonly", "Filesystem read-only status.", labels, e.ro ? 1 : 0);
      if (failed) continue;
      const auto& b = job.buf;
      const double bsize = static_cast<double>(b.f_bsize);
      out.Gauge("node_filesystem_size_bytes", "Filesystem size in bytes.", labels,
                static_cast<double>(b.f_blocks) * bsize);
      out.Gauge("node_filesystem_free_bytes", "Filesystem free space in bytes.", labels,
                static_cast<double>(b.f_bfree) * bsize);
      out.Gauge("node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes.", labels,
                static_cast<double>(b.f_bavail) * bsize);
      out.Gauge("node_filesystem_files", "Filesystem total file nodes.", labels, static_cast<double>(b.f_files));
      out.Gauge("node_filesystem_files_free", "Filesystem total free file nodes.", labels,
                static_cast<double>(b.f_ffree));
      // client_golang would reject a repeated series; keep the first.
      if (seen_info.emplace(l.device, l.mount_point).second) {
        out.Gauge("node_filesystem_mount_info", "Filesystem mount information.",
                  {{"device", l.device}, {"major", l.major}, {"minor", l.minor}, {"mountpoint", l.mount_point}}, 1);
      }
    }
  }

 private:
  struct Mount {
    FsLabels labels;
    bool ro = false;
  };
  struct Entry {
    FsLabels labels;
    bool ro = false;
    StatResult result;
  };

  std::string StripRootfs(const std::string& mount_point) const {
    return StripRootfsPrefix(paths_.rootfs, mount_point);
  }

  // Reads and parses mountinfo (1/, or self/ when 1/ is hidden); throws
  // when neither can be read.
  void LoadMountTable() {
    table_valid_ = false;
    table_file_ = &root_mountinfo_;
    int err = root_mountinfo_.Read(buf_);
    if (err == ENOENT) {
      // /proc/1 is hidden (hidepid): node_exporter falls back to self.
      log::Debug("reading root mounts failed, falling back to self mounts");
      table_file_ = &self_mountinfo_;
      err = self_mountinfo_.Read(buf_);
    }
    if (err != 0) {
      ThrowPathError("cannot read mountinfo under ", paths_.procfs, err);
    }
    // A real procfs's mountinfo raises POLLPRI|POLLERR when the mount table
    // changes (proc(5)); a fixture tree's regular file never does and is
    // read every scrape.
    polling_ = IsProcfsMount(table_file_->path());
    // Parse and filter it again only when its text changed.
    if (buf_ != last_mountinfo_) {
      mounts_.clear();
      for (auto& m : ParseMountInfo(buf_)) {
        Mount mount;
        mount.labels.device = m.source;
        mount.labels.mount_point = StripRootfs(UnescapeMountPoint(m.mount_point));
        mount.labels.fs_type = m.fs_type;
        auto colon = m.major_minor.find(':');
        mount.labels.major = m.major_minor.substr(0, colon);
        mount.labels.minor = m.major_minor.substr(colon + 1);
        if (mount_point_filter_.Ignored(mount.labels.mount_point)) {
          log::Debug("ignoring mount point", {{"mountpoint", mount.labels.mount_point}});
          continue;
        }
        if (fs_type_filter_.Ignored(mount.labels.fs_type)) {
          log::Debug("ignoring fs type", {{"type", mount.labels.fs_type}});
          continue;
        }
        mount.ro = HasReadOnlyOption(m.options) || HasReadOnlyOption(m.super_options);
        mounts_.push_back(std::move(mount));
      }
      last_mountinfo_.swap(buf_);
    }
    table_valid_ = true;
    if (options_.on_mountinfo_read) options_.on_mountinfo_read();
  }

  // Whether the kernel signalled a mount table change since the last read
  // (or poll) of the open mountinfo; an error counts as a change.
  bool MountTableChanged() const {
    pollfd p{table_file_->fd(), POLLPRI, 0};
    int n = ::poll(&p, 1, 0);
    return n < 0 || (n > 0 && (p.revents & (POLLPRI | POLLERR | POLLNVAL)) != 0);
  }

  static bool ReadOnlyMismatch(const std::vector<Entry>& entries) {
    for (const auto& e : entries) {
      if (e.result.timed_out || e.result.err != 0) continue;
      if (((e.result.buf.f_flags & ST_RDONLY) != 0) != e.ro) return true;
    }
    return false;
  }

  // statfs of every entry, on a worker thread: each call may block (NFS,
  // FUSE) and gets --collector.filesystem.mount-timeout.
  void RunStats(std::vector<Entry>& entries) {
    auto& pool = *pool_;
    auto batch = std::make_shared<StatBatch>();
    batch->items.resize(entries.size());
    std::unique_lock<std::mutex> lock(pool.mu);
    for (size_t i = 0; i < entries.size(); ++i) {
      auto& item = batch->items[i];
      item.mount_point = entries[i].labels.mount_point;
      item.path = paths_.Root(item.mount_point);
      if (pool.stuck.count(item.mount_point)) {
        log::Debug("mount point is in an unresponsive state", {{"mountpoint", item.mount_point}});
        item.result.timed_out = true;
        ++batch->finished;
      }
    }
    const auto timeout = options_.mount_timeout;
    const int max_workers = std::max(1, options_.stat_workers);
    if (batch->finished < batch->items.size()) HandOff(pool_, batch, lock);
    while (batch->finished < batch->items.size()) {
      auto now = std::chrono::steady_clock::now();
      // Wake at the next call's timeout, or when a call becomes slow enough
      // for another worker to join; while no call runs, at the timeout.
      auto wake = now + timeout;
      int slow_calls = 0;
      for (auto& item : batch->items) {
        if (!item.running || item.abandoned) continue;
        if (now >= item.started + timeout) {
          // Stuck: report it, remember it, and count its worker out.
          item.abandoned = true;
          item.result.timed_out = true;
          ++batch->finished;
          --batch->workers;
          pool.stuck.insert(item.mount_point);
          log::Warn("mount point timed out, it is being labeled as stuck and will not be monitored",
                    {{"mountpoint", item.mount_point}});
          continue;
        }
        wake = std::min(wake, item.started + timeout);
        if (now >= item.started + kSlowStatfs) {
          ++slow_calls;
        } else {
          wake = std::min(wake, item.started + kSlowStatfs);
        }
      }
      if (batch->finished == batch->items.size()) break;
      const bool calls_left = batch->next < batch->items.size();
      // Calls not started yet and room for a worker: look again soon, in
      // case the running ones turn slow.
      if (calls_left && batch->workers < max_workers) wake = std::min(wake, now + kSlowStatfs);
      // No worker left (each one blocked), or every worker is in a slow call.
      const bool all_slow = slow_calls >= batch->workers && batch->workers < max_workers;
      if (calls_left && (batch->workers == 0 || all_slow)) {
        if (HandOff(pool_, batch, lock)) continue;
        // The last hand-off is not picked up yet: wait (at most until `wake`).
      }
      pool.done_cv.wait_until(lock, wake);
    }
    for (size_t i = 0; i < entries.size(); ++i) entries[i].result = batch->items[i].result;
  }

  Paths paths_;
  FilesystemOptions options_;
  DeviceFilter mount_point_filter_;
  DeviceFilter fs_type_filter_;
  // Kept open: the kernel's mount-table event is per open file.
  CachedFile root_mountinfo_;
  CachedFile self_mountinfo_;
  CachedFile* table_file_ = nullptr;  // the mountinfo last read
  bool polling_ = false;      // table_file_ signals changes (a real procfs)
  bool table_valid_ = false;  // mounts_ is the table as last read
  std::string buf_;
  std::string last_mountinfo_;
  std::vector<Mount> mounts_;  // filtered mounts of last_mountinfo_
  std::shared_ptr<StatPool> pool_;
};

struct FilesystemFlags {
  FilesystemOptions options;
  std::string old_mount_points_excluded;
  std::string old_fs_types_excluded;
  std::string mount_timeout = "5s";
  // Set while parsing: the CLI::App (and its options) is gone by the time
  // collectors are created, so no CLI::Option* may be kept.
  bool mount_points_exclude_given = false;
  bool fs_types_exclude_given = false;
};

FilesystemFlags& Flags() {
  static FilesystemFlags flags;
  return flags;
}

void AddFilesystemFlags(CLI::App& app) {
  auto& f = Flags();
  const char* group = "filesystem collector";
  AddFlagRecordingGiven(app, "--collector.filesystem.mount-points-exclude", f.options.mount_points_exclude,
                        f.mount_points_exclude_given,
                        "Regexp of mount points to exclude for filesystem collector. (mutually exclusive to "
                        "mount-points-include)")
      ->group(group);
  app.add_option("--collector.filesystem.mount-points-include", f.options.mount_points_include,
                 "Regexp of mount points to include for filesystem collector. (mutually exclusive to "
                 "mount-points-exclude)")
      ->group(group);
  app.add_option("--collector.filesystem.ignored-mount-points", f.old_mount_points_excluded,
                 "Regexp of mount points to ignore for filesystem collector.")
      ->group("");  // hidden, deprecated
  AddFlagRecordingGiven(app, "--collector.filesystem.fs-types-exclude", f.options.fs_types_exclude,
                        f.fs_types_exclude_given,
                        "Regexp of filesystem types to exclude for filesystem collector. (mutually exclusive to "
                        "fs-types-include)")
      ->group(group);
  app.add_option("--collector.filesystem.fs-types-include", f.options.fs_types_include,
                 "Regexp of filesystem types to include for filesystem collector. (mutually exclusive to "
                 "fs-types-exclude)")
      ->group(group);
  app.add_option("--collector.filesystem.ignored-fs-types", f.old_fs_types_excluded,
                 "Regexp of filesystem types to ignore for filesystem collector.")
      ->group("");
  app.add_option("--collector.filesystem.mount-timeout", f.mount_timeout,
                 "how long to wait for a mount to respond before marking it as stale")
      ->group("");
  app.add_option("--collector.filesystem.stat-workers", f.options.stat_workers,
                 "Number of stat calls run at once when they are slow (network file systems); "
                 "local ones run one after another on one worker thread")
      ->group("");
}

// node_exporter's newMountPointsFilter / newFSTypeFilter flag rules.
void ResolveFilter(const char* what, const std::string& old_value, bool exclude_set, std::string& exclude,
                   std::string& include) {
  std::string exclude_flag = fmt::format("collector.filesystem.{}-exclude", what);
  std::string include_flag = fmt::format("collector.filesystem.{}-include", what);
  std::string old_flag = fmt::format("collector.filesystem.ignored-{}", what);
  FilterFlagValues values{.exclude = exclude, .exclude_given = exclude_set, .include = include,
                          .old_exclude = old_value};
  ResolveFilterValues({.exclude = exclude_flag, .include = include_flag, .old_exclude = old_flag,
                       .exclude_has_default = true},
                      values);
  exclude = values.exclude;
  include = values.include;
}

std::unique_ptr<Collector> CreateFilesystem(const Paths& paths) {
  auto& f = Flags();
  FilesystemOptions options = f.options;
  ResolveFilter("mount-points", f.old_mount_points_excluded, f.mount_points_exclude_given,
                options.mount_points_exclude, options.mount_points_include);
  ResolveFilter("fs-types", f.old_fs_types_excluded, f.fs_types_exclude_given, options.fs_types_exclude,
                options.fs_types_include);
  auto timeout = ParseGoDuration(f.mount_timeout);
  if (!timeout || timeout->count() < 0) {
    throw std::invalid_argument("--collector.filesystem.mount-timeout: invalid duration '" + f.mount_timeout + "'");
  }
  options.mount_timeout = *timeout;
  return NewFilesystemCollector(paths, std::move(options));
}

NODE_AGENT_REGISTER_COLLECTOR("filesystem", kEnabledByDefault, &AddFilesystemFlags, &CreateFilesystem);

}  // namespace

std::unique_ptr<Collector> NewFilesystemCollector(const Paths& paths, FilesystemOptions options) {
  return std::make_unique<FilesystemCollector>(paths, std::move(options));
}

}  // namespace node_agent
