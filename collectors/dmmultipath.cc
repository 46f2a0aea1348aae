#include "collectors/dmmultipath.h"

#include <fmt/format.h>
#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>

#include "lib/log.h"
#include "lib/sysfs_link.h"
#include "lib/sysfs_value.h"

namespace node_agent {

bool IsMultipathUuid(std::string_view uuid) { return uuid.substr(0, 6) == "mpath-"; }

bool IsMultipathPathActive(std::string_view state) { return state == "running" || state == "live"; }

void AddDmMultipathMetrics(const DmMultipathDevice& dev, MetricSet& out) {
  const Labels labels{{"device", dev.name}, {"sysfs_name", dev.sysfs_name}};
  out.Gauge("node_dmmultipath_device_info", "Non-numeric information about a DM-multipath device.",
            {{"device", dev.name}, {"sysfs_name", dev.sysfs_name}, {"uuid", dev.uuid}}, 1);
  out.Gauge("node_dmmultipath_device_active",
            "Whether the multipath device-mapper device is active (1) or suspended (0).", labels,
            dev.suspended ? 0 : 1);
  out.Gauge("node_dmmultipath_device_size_bytes",
            "Size of the multipath device in bytes, read from /sys/block/<dm>/size.", labels,
            static_cast<double>(dev.size_bytes));
  double active = 0, failed = 0;
  for (const auto& p : dev.paths) {
    (IsMultipathPathActive(p.state) ? active : failed) += 1;
    out.Gauge("node_dmmultipath_path_state",
              "Reports the underlying device state for a multipath path, as read from "
              "/sys/block/<dev>/device/state.",
              {{"device", dev.name}, {"path", p.device}, {"state", p.state}}, 1);
  }
  out.Gauge("node_dmmultipath_device_paths", "Number of paths for a multipath device.", labels,
            static_cast<double>(dev.paths.size()));
  out.Gauge("node_dmmultipath_device_paths_active",
            "Number of paths in active state (SCSI running or NVMe live) for a multipath device.", labels, active);
  out.Gauge("node_dmmultipath_device_paths_failed", "Number of paths not in active state for a multipath device.",
            labels, failed);
}

namespace {

// A read that failed. procfs wraps errors with %w and node_exporter tests
// the result with errors.Is(ErrNotExist / ErrPermission): any missing or
// forbidden file on the way means "no data", anything else fails the scrape.
[[noreturn]] void Fail(int err, const std::string& what) {
  std::string msg = fmt::format("failed to scan DM-multipath devices: {}: {}", what, std::strerror(err));
  if (err == ENOENT || err == EACCES || err == EPERM) throw NoDataError(msg);
  throw std::runtime_error(msg);
}

class DmmultipathCollector : public Collector {
 public:
  explicit DmmultipathCollector(const Paths& paths) : block_(paths.Sys("block"), IsSysfsMount(paths.sysfs)) {}

  void Collect(MetricSet& out) override {
    // /sys/block always exists; a node without dm devices stops at its listing.
    if (int err = block_.List(entries_); err != 0) Fail(err, "open " + block_.path());
    devices_.clear();
    skipped_.clear();
    for (const DirEntry& e : entries_) {
      if (e.name.compare(0, 3, "dm-") != 0) continue;
      auto known = not_multipath_.find(e.name);
      if (known != not_multipath_.end() && known->second == e.ino) continue;
      ReadDevice(e);
    }
    // Forget devices that are gone, so the map stays as large as /sys/block.
    std::erase_if(not_multipath_, [&](const auto& kv) {
      return !std::binary_search(entries_.begin(), entries_.end(), kv.first,
                                 [](const auto& a, const auto& b) { return Name(a) < Name(b); });
    });
    ReportSkipped("dmmultipath", block_.path(), skipped_);
    for (const auto& dev : devices_) AddDmMultipathMetrics(dev, out);
  }

 private:
  static std::string_view Name(const DirEntry& e) { return e.name; }
  static std::string_view Name(const std::string& s) { return s; }

  std::string Dir(const DirEntry& e) const { return EntryDir(block_.path() + "/" + e.name, e.type); }

  void ReadDevice(const DirEntry& e) {
    const std::string dir = Dir(e);
    std::string uuid;
    if (int err = SysReadFile(dir + "/dm/uuid", uuid); err != 0) {
      if (err == ENOENT) return;
      Fail(err, "failed to read dm/uuid for " + e.name);
    }
    if (!IsMultipathUuid(uuid)) {
      // A set dm uuid cannot change: do not read it again for this device.
      if (!uuid.empty()) not_multipath_[e.name] = e.ino;
      return;
    }
    DmMultipathDevice dev;
    dev.sysfs_name = e.name;
    dev.uuid = std::move(uuid);
    if (int err = SysReadFile(dir + "/dm/name", dev.name); err != 0) Fail(err, "failed to read dm/name for " + e.name);
    auto suspended = ReadDecimal(dir + "/dm/suspended", "dm/suspended", e.name);
    auto sectors = ReadDecimal(dir + "/size", "size", e.name);
    if (!suspended || !sectors) return;
    dev.suspended = *suspended == 1;
    dev.size_bytes = *sectors * 512;
    ReadPaths(dir + "/slaves", dev);
    devices_.push_back(std::move(dev));
  }

  // A whole-file decimal read; nullopt (the device is skipped) when the
  // content is not a number.
  std::optional<uint64_t> ReadDecimal(const std::string& path, std::string_view what, const std::string& dev) {
    std::string content;
    int err = 0;
    if (!ReadFile(path, content, &err)) Fail(err, fmt::format("failed to read {} for {}", what, dev));
    auto v = ParseSysfsDecimal(content);
    if (!v) skipped_.push_back(fmt::format("{}/{}: {}", dev, what, Trim(content)));
    return v;
  }

  void ReadPaths(const std::string& slaves_dir, DmMultipathDevice& dev) {
    DirLister lister(slaves_dir, false);
    if (int err = lister.List(slaves_); err != 0) {
      if (err == ENOENT) return;
      Fail(err, "open " + slaves_dir);
    }
    for (const DirEntry& s : slaves_) {
      // The path's own entry in /sys/block, resolved like the dm device's.
      auto it = std::lower_bound(entries_.begin(), entries_.end(), s.name,
                                 [](const DirEntry& a, const std::string& b) { return a.name < b; });
      std::string dir = it != entries_.end() && it->name == s.name ? Dir(*it) : block_.path() + "/" + s.name;
      DmMultipathPath p{s.name, {}};
      if (int err = SysReadFile(dir + "/device/state", p.state); err != 0) {
        Fail(err, "failed to read device/state for " + s.name);
      }
      dev.paths.push_back(std::move(p));
    }
  }

  DirLister block_;
  std::vector<DirEntry> entries_, slaves_;
  std::vector<DmMultipathDevice> devices_;
  std::vector<std::string> skipped_;
  // dm devices seen with a non-multipath uuid, by name, with their inode.
  std::map<std::string, ino_t, std::less<>> not_multipath_;
};

std::unique_ptr<Collector> CreateDmmultipath(const Paths& paths) { return NewDmmultipathCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("dmmultipath", kEnabledByDefault, nullptr, &CreateDmmultipath);

}  // namespace

std::unique_ptr<Collector> NewDmmultipathCollector(const Paths& paths) {
  return std::make_unique<DmmultipathCollector>(paths);
}

}  // namespace node_agent
