#include "collectors/btrfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include "lib/log.h"
#include "lib/sysfs_value.h"

namespace node_agent {

uint64_t ParseBtrfsValue(std::string_view content) { return ParseUint(Trim(content)).value_or(0); }

BtrfsCommitStats ParseBtrfsCommitStats(std::string_view content, std::vector<std::string>& skipped) {
  BtrfsCommitStats s;
  std::vector<std::string_view> f;
  for (std::string_view line : Lines(content)) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    Fields(line, f);
    std::optional<uint64_t> v;
    if (f.size() == 2) v = ParseUint(f[1]);
    if (!v) {
      skipped.emplace_back(line);
      continue;
    }
    if (f[0] == "commits") s.commits = *v;
    else if (f[0] == "last_commit_ms") s.last_commit_ms = *v;
    else if (f[0] == "max_commit_ms") s.max_commit_ms = *v;
    else if (f[0] == "total_commit_ms") s.total_commit_ms = *v;
  }
  return s;
}

double BtrfsAllocationRatio(std::string_view profile, size_t devices) {
  auto n = static_cast<double>(devices);
  if (profile == "single" || profile == "raid0") return 1;
  if (profile == "dup" || profile == "raid1" || profile == "raid10") return 2;
  if (profile == "raid1c3") return 3;
  if (profile == "raid1c4") return 4;
  if (profile == "raid5") return n / (n - 1);
  if (profile == "raid6") return n / (n - 2);
  return 0;
}

std::vector<BtrfsMount> BtrfsMounts(const std::vector<MountInfo>& mounts, const std::string& rootfs) {
  std::vector<BtrfsMount> out;
  for (const MountInfo& m : mounts) {
    if (m.fs_type != "btrfs") continue;
    std::string mount_point = StripRootfsPrefix(rootfs, UnescapeMountPoint(m.mount_point));
    out.push_back({Paths::Join(rootfs, mount_point), m.source});
  }
  return out;
}

std::string FormatBtrfsUuid(const uint8_t (&uuid)[16]) {
  bool zero = true;
  for (uint8_t b : uuid) zero = zero && b == 0;
  if (zero) return "<zero>";
  std::string s;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s += fmt::format("{:02x}", uuid[i]);
  }
  return s;
}

namespace {

// dennwc/btrfs's Open: the mount point must be a subvolume root (a directory
// with inode BTRFS_FIRST_FREE_OBJECTID) on btrfs; O_NOATIME when allowed.
int OpenBtrfsRoot(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || st.st_ino != BTRFS_FIRST_FREE_OBJECTID || !S_ISDIR(st.st_mode)) return -1;
  struct statfs sfs;
  if (::statfs(path.c_str(), &sfs) != 0 || static_cast<unsigned long>(sfs.f_type) != BTRFS_SUPER_MAGIC) return -1;
  int fd = ::open(path.c_str(), O_RDONLY | O_NOATIME | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return fd;
}

// The devices of the file system open at `fd`; false when a query fails
// (other than ENODEV for an unused device id).
bool ScanDevices(int fd, const btrfs_ioctl_fs_info_args& info, std::vector<BtrfsIoctlDevice>& devices) {
  for (uint64_t id = 0; id <= info.max_id; ++id) {
    btrfs_ioctl_dev_info_args di{};
    di.devid = id;
    if (::ioctl(fd, BTRFS_IOC_DEV_INFO, &di) != 0) {
      if (errno == ENODEV) continue;  // device ids need not be contiguous
      return false;
    }
    btrfs_ioctl_get_dev_stats ds{};
    ds.devid = id;
    ds.nr_items = BTRFS_DEV_STAT_VALUES_MAX;
    if (::ioctl(fd, BTRFS_IOC_GET_DEV_STATS, &ds) != 0) return false;
    BtrfsIoctlDevice d;
    d.path.assign(reinterpret_cast<const char*>(di.path), strnlen(reinterpret_cast<const char*>(di.path), sizeof(di.path)));
    d.uuid = FormatBtrfsUuid(di.uuid);
    d.total_bytes = di.total_bytes;
    d.bytes_used = di.bytes_used;
    for (size_t i = 0; i < d.errors.size(); ++i) d.errors[i] = ds.values[i];
    devices.push_back(std::move(d));
    if (devices.size() == info.num_devices) break;
  }
  return true;
}

}  // namespace

BtrfsIoctlStats ScanBtrfsIoctl(const std::vector<BtrfsMount>& mounts) {
  BtrfsIoctlStats stats;
  std::set<std::string> devices_done;
  for (const BtrfsMount& m : mounts) {
    if (devices_done.count(m.device)) continue;  // found through another mount point
    int fd = OpenBtrfsRoot(m.path);
    if (fd < 0) {
      log::Debug("Error inspecting btrfs mountpoint", {{"mountPoint", m.path}});
      continue;
    }
    btrfs_ioctl_fs_info_args info{};
    std::vector<BtrfsIoctlDevice> devices;
    std::string fsid;
    bool ok = ::ioctl(fd, BTRFS_IOC_FS_INFO, &info) == 0;
    if (ok) {
      for (uint8_t b : info.fsid) fsid += fmt::format("{:02x}", b);
      ok = !stats.count(fsid) && ScanDevices(fd, info, devices);
    }
    ::close(fd);
    if (!ok) continue;
    devices_done.insert(m.device);
    stats[fsid] = std::move(devices);
  }
  return stats;
}

namespace {

// Runs ioctl scans on one thread of its own and waits for each at most a
// timeout. A scan that overruns keeps the thread; until it returns, Scan
// answers nullopt at once. The thread holds the shared state, so the
// collector can go away while a scan is blocked.
class IoctlWorker {
 public:
  using ScanFn = std::function<BtrfsIoctlStats(const std::vector<BtrfsMount>&)>;
  IoctlWorker(ScanFn fn, std::chrono::milliseconds timeout) : state_(std::make_shared<State>()), timeout_(timeout) {
    state_->fn = std::move(fn);
  }
  IoctlWorker(const IoctlWorker&) = delete;
  IoctlWorker& operator=(const IoctlWorker&) = delete;
  ~IoctlWorker() {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->stop = true;
    }
    state_->cv.notify_all();
    if (thread_.joinable()) thread_.detach();
  }

  std::optional<BtrfsIoctlStats> Scan(std::vector<BtrfsMount> mounts) {
    if (!thread_.joinable()) thread_ = std::thread(&IoctlWorker::Loop, state_);
    State& s = *state_;
    std::unique_lock<std::mutex> lock(s.mu);
    if (s.requested != s.done) return std::nullopt;  // the last scan is still blocked
    s.request = std::move(mounts);
    uint64_t gen = ++s.requested;
    s.cv.notify_all();
    if (!s.cv.wait_for(lock, timeout_, [&] { return s.done == gen; })) return std::nullopt;
    return std::move(s.result);
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    uint64_t requested = 0, done = 0;
    std::vector<BtrfsMount> request;
    BtrfsIoctlStats result;
    bool stop = false;
    ScanFn fn;
  };

  static void Loop(std::shared_ptr<State> s) {
    std::unique_lock<std::mutex> lock(s->mu);
    for (;;) {
      s->cv.wait(lock, [&] { return s->stop || s->requested != s->done; });
      if (s->stop) return;
      uint64_t gen = s->requested;
      std::vector<BtrfsMount> request = std::move(s->request);
      lock.unlock();
      BtrfsIoctlStats result = s->fn(request);
      lock.lock();
      s->result = std::move(result);
      s->done = gen;
      s->cv.notify_all();
    }
  }

  std::shared_ptr<State> state_;
  std::chrono::milliseconds timeout_;
  std::thread thread_;
};

// What procfs reads of one file system.
struct BtrfsFs {
  std::string uuid, label;
  uint64_t global_rsv_size = 0;
  struct Layout {
    std::string profile;
    uint64_t used = 0, total = 0;
  };
  struct Group {
    uint64_t reserved = 0;
    std::vector<Layout> layouts;
  };
  std::array<Group, 3> groups;  // data, metadata, system
  std::vector<std::pair<std::string, uint64_t>> device_sizes;
  BtrfsCommitStats commits;
};

constexpr std::array<std::string_view, 3> kGroupNames = {"data", "metadata", "system"};

}  // namespace

namespace {

class BtrfsCollector : public Collector {
 public:
  BtrfsCollector(const Paths& paths, BtrfsOptions options)
      : paths_(paths),
        root_(paths.Sys("fs/btrfs"), IsSysfsMount(paths.sysfs)),
        root_mountinfo_(paths.Proc("1/mountinfo")),
        self_mountinfo_(paths.Proc("self/mountinfo")),
        worker_(options.scan_for_test ? options.scan_for_test : IoctlWorker::ScanFn(ScanBtrfsIoctl), options.ioctl_timeout) {}

  void Collect(MetricSet& out) override {
    // A node without btrfs has no fs/btrfs: as node_exporter's glob without
    // matches, that is no series and no error.
    if (root_.List(entries_) != 0) return;
    std::vector<BtrfsFs> filesystems;
    skipped_.clear();
    for (const DirEntry& e : entries_) {
      if (e.name.find('-') == std::string::npos) continue;  // procfs: fs/btrfs/*-*
      filesystems.push_back(ReadFs(root_.path() + "/" + e.name, e.name));
    }
    ReportSkipped("btrfs", root_.path(), skipped_);
    if (filesystems.empty()) return;
    BtrfsIoctlStats ioctl_stats = IoctlStats();
    for (const BtrfsFs& fs : filesystems) {
      std::string key = fs.uuid;
      std::erase(key, '-');
      auto it = ioctl_stats.find(key);
      Emit(fs, it == ioctl_stats.end() ? nullptr : &it->second, out);
    }
  }

 private:
  [[noreturn]] static void Fail(const std::string& path, int err) {
    throw std::runtime_error(
        fmt::format("failed to retrieve Btrfs stats from procfs: {}: {}", path, std::strerror(err)));
  }

  // procfs's readFile: a missing file is "", an unreadable one fails.
  std::string ReadString(const std::string& path) {
    std::string value;
    if (int err = SysReadFile(path, value); err != 0 && err != ENOENT) Fail(path, err);
    return value;
  }
  uint64_t ReadValue(const std::string& path) { return ParseBtrfsValue(ReadString(path)); }

  std::vector<DirEntry> List(const std::string& path) {
    std::vector<DirEntry> entries;
    if (int err = DirLister(path, false).List(entries); err != 0) Fail(path, err);
    return entries;
  }

  BtrfsFs ReadFs(const std::string& dir, const std::string& name) {
    BtrfsFs fs;
    for (const DirEntry& d : List(dir + "/devices")) {
      fs.device_sizes.emplace_back(d.name, 512 * ReadValue(fmt::format("{}/devices/{}/size", dir, d.name)));
    }
    fs.label = ReadString(dir + "/label");
    fs.uuid = ReadString(dir + "/metadata_uuid");
    if (fs.uuid.empty()) fs.uuid = name;
    fs.global_rsv_size = ReadValue(dir + "/allocation/global_rsv_size");
    for (size_t g = 0; g < kGroupNames.size(); ++g) {
      std::string group = fmt::format("{}/allocation/{}", dir, kGroupNames[g]);
      fs.groups[g].reserved = ReadValue(group + "/bytes_reserved");
      for (const DirEntry& l : List(group)) {
        if (l.type != DT_DIR) continue;
        fs.groups[g].layouts.push_back(
            {l.name, ReadValue(group + "/" + l.name + "/used_bytes"), ReadValue(group + "/" + l.name + "/total_bytes")});
      }
    }
    std::string commit_stats;
    int err = 0;
    if (ReadFile(dir + "/commit_stats", commit_stats, &err)) {
      fs.commits = ParseBtrfsCommitStats(commit_stats, skipped_);
    } else if (err != ENOENT) {  // missing before kernel 6.0
      Fail(dir + "/commit_stats", err);
    }
    return fs;
  }

  // The ioctl statistics of the mounted file systems; empty when the mount
  // table cannot be read or the scan does not finish in time.
  BtrfsIoctlStats IoctlStats() {
    CachedFile* file = &root_mountinfo_;
    int err = file->Read(buf_);
    if (err == ENOENT) {  // /proc/1 hidden (hidepid)
      file = &self_mountinfo_;
      err = file->Read(buf_);
    }
    if (err != 0) {
      log::Debug("Error querying btrfs device stats with ioctl", {{"err", std::strerror(err)}});
      return {};
    }
    auto stats = worker_.Scan(BtrfsMounts(ParseMountInfo(buf_), paths_.rootfs));
    if (!stats) {
      log::WarnOnce("btrfs:ioctl-timeout", "btrfs ioctl scan did not finish in time; reporting sysfs device sizes");
      return {};
    }
    return std::move(*stats);
  }

  void Emit(const BtrfsFs& fs, const std::vector<BtrfsIoctlDevice>* devices, MetricSet& out);
  void EmitIoctlDevices(const BtrfsFs& fs, const std::vector<BtrfsIoctlDevice>& devices, MetricSet& out);

  Paths paths_;
  DirLister root_;
  CachedFile root_mountinfo_, self_mountinfo_;
  IoctlWorker worker_;
  std::vector<DirEntry> entries_;
  std::vector<std::string> skipped_;
  std::string buf_;
};

void BtrfsCollector::Emit(const BtrfsFs& fs, const std::vector<BtrfsIoctlDevice>* devices, MetricSet& out) {
  const Labels l{{"uuid", fs.uuid}};
  out.Gauge("node_btrfs_info", "Filesystem information", {{"uuid", fs.uuid}, {"label", fs.label}}, 1);
  out.Gauge("node_btrfs_global_rsv_size_bytes", "Size of global reserve.", l, static_cast<double>(fs.global_rsv_size));
  out.Counter("node_btrfs_commits_total", "The total number of commits that have occurred.", l,
              static_cast<double>(fs.commits.commits));
  out.Gauge("node_btrfs_last_commit_seconds", "Duration of the most recent commit, in seconds.", l,
            static_cast<double>(fs.commits.last_commit_ms) / 1000);
  out.Gauge("node_btrfs_max_commit_seconds", "Duration of the slowest commit, in seconds.", l,
            static_cast<double>(fs.commits.max_commit_ms) / 1000);
  out.Counter("node_btrfs_commit_seconds_total", "Sum of the duration of all commits, in seconds.", l,
              static_cast<double>(fs.commits.total_commit_ms) / 1000);
  for (size_t g = 0; g < kGroupNames.size(); ++g) {
    const std::string group(kGroupNames[g]);
    out.Gauge("node_btrfs_reserved_bytes", "Amount of space reserved for a data type",
              {{"uuid", fs.uuid}, {"block_group_type", group}}, static_cast<double>(fs.groups[g].reserved));
    for (const auto& layout : fs.groups[g].layouts) {
      const Labels ll{{"uuid", fs.uuid}, {"block_group_type", group}, {"mode", layout.profile}};
      out.Gauge("node_btrfs_used_bytes", "Amount of used space by a layout/data type", ll,
                static_cast<double>(layout.used));
      out.Gauge("node_btrfs_size_bytes", "Amount of space allocated for a layout/data type", ll,
                static_cast<double>(layout.total));
      out.Gauge("node_btrfs_allocation_ratio", "Data allocation ratio for a layout/data type", ll,
                BtrfsAllocationRatio(layout.profile, fs.device_sizes.size()));
    }
  }
  if (devices) {
    EmitIoctlDevices(fs, *devices, out);
    return;
  }
  for (const auto& [device, size] : fs.device_sizes) {
    out.Gauge("node_btrfs_device_size_bytes", "Size of a device that is part of the filesystem.",
              {{"uuid", fs.uuid}, {"device", device}}, static_cast<double>(size));
  }
}

void BtrfsCollector::EmitIoctlDevices(const BtrfsFs& fs, const std::vector<BtrfsIoctlDevice>& devices,
                                      MetricSet& out) {
  static constexpr std::string_view kErrorTypes[] = {"write", "read", "flush", "corruption", "generation"};
  for (const BtrfsIoctlDevice& d : devices) {
    // The device's base name, as the sysfs fallback names it ("/dev/sda" -> "sda").
    std::string device(d.path.substr(d.path.rfind('/') + 1));
    const Labels l{{"uuid", fs.uuid}, {"device", device}, {"btrfs_dev_uuid", d.uuid}};
    out.Gauge("node_btrfs_device_size_bytes", "Size of a device that is part of the filesystem.", l,
              static_cast<double>(d.total_bytes));
    out.Gauge("node_btrfs_device_unused_bytes", "Unused bytes unused on a device that is part of the filesystem.", l,
              static_cast<double>(d.total_bytes - d.bytes_used));
    for (size_t i = 0; i < d.errors.size(); ++i) {
      out.Counter("node_btrfs_device_errors_total", "Errors reported for the device",
                  {{"uuid", fs.uuid}, {"type", std::string(kErrorTypes[i])}, {"device", device},
                   {"btrfs_dev_uuid", d.uuid}},
                  static_cast<double>(d.errors[i]));
    }
  }
}

std::unique_ptr<Collector> CreateBtrfs(const Paths& paths) { return NewBtrfsCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("btrfs", kEnabledByDefault, nullptr, &CreateBtrfs);

}  // namespace

std::unique_ptr<Collector> NewBtrfsCollector(const Paths& paths, BtrfsOptions options) {
  return std::make_unique<BtrfsCollector>(paths, std::move(options));
}

}  // namespace node_agent
