#include "collectors/netclass.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <iterator>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <regex>
#include <stdexcept>
#include <utility>
#include <vector>

#include "collectors/device_filter.h"
#include "collectors/log.h"
#include "collectors/sysfs_link.h"

namespace node_agent {

std::optional<int64_t> ParseSysfsInt(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() >= 2 && s[0] == '0') {
    char p = static_cast<char>(s[1] | 0x20);  // lower case
    if (p == 'x') base = 16, s.remove_prefix(2);
    else if (p == 'o') base = 8, s.remove_prefix(2);
    else if (p == 'b') base = 2, s.remove_prefix(2);
    else base = 8, s.remove_prefix(1);  // Go: a leading "0" means octal
  }
  if (s.empty()) return std::nullopt;
  uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude, base);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  constexpr uint64_t kMax = static_cast<uint64_t>(INT64_MAX);
  if (negative) {
    if (magnitude > kMax + 1) return std::nullopt;
    return magnitude == kMax + 1 ? INT64_MIN : -static_cast<int64_t>(magnitude);
  }
  if (magnitude > kMax) return std::nullopt;
  return static_cast<int64_t>(magnitude);
}

namespace {

// Every attribute node_exporter exports, and the member it fills.
struct AttrDef {
  std::string_view file;
  std::string NetClassIface::*str = nullptr;
  std::optional<int64_t> NetClassIface::*num = nullptr;
};

#define NA_STR(f) AttrDef{#f, &NetClassIface::f, nullptr}
#define NA_NUM(f, m) AttrDef{f, nullptr, &NetClassIface::m}

// Attributes that are fixed for a network device's lifetime: read once per
// device and again only when the device is re-created (seen as a new inode
// of its class/net entry) or renamed (a new class/net name). Not here, as
// they change at run time: the MAC address and addr_assign_type (a bridge's
// address follows its ports), iflink (a tunnel's underlying device can be
// changed) and type (a bond takes its first slave's type).
constexpr AttrDef kStaticAttrs[] = {
    NA_NUM("dev_id", dev_id),
    NA_NUM("ifindex", ifindex),
    NA_NUM("name_assign_type", name_assign_type),
};
// Re-read on every scrape, as node_exporter does.
constexpr AttrDef kDynamicAttrs[] = {
    NA_NUM("addr_assign_type", addr_assign_type),
    NA_STR(address),
    NA_STR(broadcast),
    NA_NUM("carrier", carrier),
    NA_NUM("carrier_changes", carrier_changes),
    NA_NUM("carrier_down_count", carrier_down_count),
    NA_NUM("carrier_up_count", carrier_up_count),
    NA_NUM("dormant", dormant),
    NA_STR(duplex),
    NA_NUM("flags", flags),
    NA_STR(ifalias),
    NA_NUM("iflink", iflink),
    NA_NUM("link_mode", link_mode),
    NA_NUM("mtu", mtu),
    NA_NUM("netdev_group", netdev_group),
    NA_STR(operstate),
    NA_NUM("speed", speed),
    NA_NUM("tx_queue_len", tx_queue_len),
    NA_NUM("type", type),
};
constexpr size_t kNumDynamic = std::size(kDynamicAttrs);

#undef NA_STR
#undef NA_NUM

void SetAttr(NetClassIface& iface, const AttrDef& def, std::string_view value) {
  value = Trim(value);
  if (def.str) {
    (iface.*def.str).assign(value);
  } else {
    iface.*def.num = ParseSysfsInt(value);
  }
}

const AttrDef* FindAttr(std::string_view attr) {
  for (const AttrDef& def : kStaticAttrs) {
    if (def.file == attr) return &def;
  }
  for (const AttrDef& def : kDynamicAttrs) {
    if (def.file == attr) return &def;
  }
  return nullptr;
}

// The numeric node_network_* properties, in node_exporter's order; speed is
// added between name_assign_type and transmit_queue_length by
// AddNetClassMetrics. Names and help are literals: no formatting per scrape.
struct PropDef {
  MetricType type;
  std::string_view name;
  std::string_view help;
  std::optional<int64_t> NetClassIface::*field;
};
#define NA_PROP(t, n, f) PropDef{MetricType::t, "node_network_" n, "Network device property: " n, &NetClassIface::f}
constexpr PropDef kPropsBeforeSpeed[] = {
    NA_PROP(Gauge, "address_assign_type", addr_assign_type),
    NA_PROP(Gauge, "carrier", carrier),
    NA_PROP(Counter, "carrier_changes_total", carrier_changes),
    NA_PROP(Counter, "carrier_up_changes_total", carrier_up_count),
    NA_PROP(Counter, "carrier_down_changes_total", carrier_down_count),
    NA_PROP(Gauge, "device_id", dev_id),
    NA_PROP(Gauge, "dormant", dormant),
    NA_PROP(Gauge, "flags", flags),
    NA_PROP(Gauge, "iface_id", ifindex),
    NA_PROP(Gauge, "iface_link", iflink),
    NA_PROP(Gauge, "iface_link_mode", link_mode),
    NA_PROP(Gauge, "mtu_bytes", mtu),
    NA_PROP(Gauge, "net_dev_group", netdev_group),
    NA_PROP(Gauge, "name_assign_type", name_assign_type),
};
constexpr PropDef kPropsAfterSpeed[] = {
    NA_PROP(Gauge, "transmit_queue_length", tx_queue_len),
    NA_PROP(Gauge, "protocol_type", type),
};
#undef NA_PROP

}  // namespace

bool SetNetClassAttribute(NetClassIface& iface, std::string_view attr, std::string_view value) {
  const AttrDef* def = FindAttr(attr);
  if (!def) return false;
  SetAttr(iface, *def, value);
  return true;
}

std::string_view AdminState(const NetClassIface& iface) {
  if (!iface.flags) return "unknown";
  return (*iface.flags & 1) == 1 ? "up" : "down";  // IFF_UP
}

void AddNetClassMetrics(const NetClassIface& iface, bool ignore_invalid_speed, MetricSet& out) {
  const std::string& dev = iface.name;
  out.Gauge("node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.", {{"device", dev}},
            iface.operstate == "up" ? 1 : 0);
  out.Gauge("node_network_info", "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
            {{"address", iface.address},
             {"adminstate", std::string(AdminState(iface))},
             {"broadcast", iface.broadcast},
             {"device", dev},
             {"duplex", iface.duplex},
             {"ifalias", iface.ifalias},
             {"operstate", iface.operstate}},
            1);
  auto push = [&](const PropDef& p) {
    const std::optional<int64_t>& v = iface.*p.field;
    if (v) out.Add(p.type, p.name, p.help, {{"device", dev}}, static_cast<double>(*v));
  };
  for (const PropDef& p : kPropsBeforeSpeed) push(p);
  if (iface.speed && (*iface.speed >= 0 || !ignore_invalid_speed)) {
    // Go's int64(speed*1000*1000/8): wrapping multiply, truncating divide.
    auto bits = static_cast<int64_t>(static_cast<uint64_t>(*iface.speed) * 1000000u);
    out.Gauge("node_network_speed_bytes", "Network device property: speed_bytes", {{"device", dev}},
              static_cast<double>(bits / 8));
  }
  for (const PropDef& p : kPropsAfterSpeed) push(p);
}

namespace {

// Reads a whole attribute with pread at offset 0, which makes sysfs run the
// attribute's show() again. A sysfs attribute is shorter than a page, so a
// short read is its end (as it is for a regular file in a fixture tree): one
// syscall per attribute. 0 or an errno.
int PreadAttr(int fd, std::string& out) {
  out.clear();
  char buf[4096];
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof(buf), offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      out.clear();
      return errno;
    }
    out.append(buf, static_cast<size_t>(n));
    if (static_cast<size_t>(n) < sizeof(buf)) return 0;
    offset += n;
  }
}

// Reads an attribute relative to an open directory (open, read, close).
int ReadAt(int dirfd, std::string_view name, std::string& out) {
  out.clear();
  std::string path(name);
  int fd = ::openat(dirfd, path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return errno;
  int err = PreadAttr(fd, out);
  ::close(fd);
  return err;
}

struct DirEntry {
  std::string name;
  ino_t ino;
  unsigned char type;
};

// Lists class/net with inode numbers and types (ListDir gives names only).
int ReadEntries(const std::string& dir, std::vector<DirEntry>& entries) {
  entries.clear();
  DIR* d = ::opendir(dir.c_str());
  if (!d) return errno;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    unsigned char type = e->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st;
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        type = S_ISREG(st.st_mode) ? DT_REG : S_ISDIR(st.st_mode) ? DT_DIR : DT_LNK;
      }
    }
    entries.push_back({std::string(name), e->d_ino, type});
  }
  ::closedir(d);
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return 0;
}

// The attribute descriptors a collector may keep open when not told: a
// quarter of the soft RLIMIT_NOFILE, at most 4096, so that hosts with
// hundreds of veths stay far from EMFILE (the rest is read open-read-close).
size_t DefaultFdBudget() {
  struct rlimit lim;
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 256;
  if (lim.rlim_cur == RLIM_INFINITY) return 4096;
  return std::min<size_t>(4096, static_cast<size_t>(lim.rlim_cur / 4));
}

class NetclassCollector : public Collector {
 public:
  NetclassCollector(const Paths& paths, const NetclassOptions& options)
      : class_net_(paths.Sys("class/net")),
        ignored_(CompileFlagRegex("collector.netclass.ignored-devices", options.ignored_devices)),
        ignore_invalid_speed_(options.ignore_invalid_speed),
        fd_budget_(options.max_cached_fds >= 0 ? static_cast<size_t>(options.max_cached_fds)
                                               : DefaultFdBudget()) {}

  ~NetclassCollector() override {
    for (auto& [name, dev] : devices_) Release(dev);
  }

  void Collect(MetricSet& out) override {
    int err = ReadEntries(class_net_, entries_);
    if (err == ENOENT || err == EACCES || err == EPERM) {
      throw NoDataError(fmt::format("could not read {}: {}", class_net_, std::strerror(err)));
    }
    if (err != 0) {
      throw std::runtime_error(fmt::format("could not get net class info: cannot access dir {}: {}",
                                           class_net_, std::strerror(err)));
    }
    ++generation_;
    for (const auto& entry : entries_) {
      auto it = devices_.find(entry.name);
      if (it != devices_.end() && it->second.ino != entry.ino) {  // re-created
        Release(it->second);
        devices_.erase(it);
        it = devices_.end();
      }
      if (it == devices_.end()) {
        Device dev;
        dev.ino = entry.ino;
        // The name decides; it is fixed for the entry, so the regex runs
        // once per device, not once per scrape.
        dev.ignored = std::regex_search(entry.name, ignored_);
        if (!dev.ignored && !Open(entry, dev)) continue;  // not a device: looked at again next time
        it = devices_.emplace(entry.name, std::move(dev)).first;
      }
      Device& dev = it->second;
      dev.generation = generation_;
      if (dev.ignored) continue;
      NetClassIface iface = dev.statics;
      for (size_t i = 0; i < kNumDynamic; ++i) {
        if (ReadDynamic(dev, i, value_) == 0) SetAttr(iface, kDynamicAttrs[i], value_);
      }
      AddNetClassMetrics(iface, ignore_invalid_speed_, out);
    }
    for (auto it = devices_.begin(); it != devices_.end();) {  // gone
      if (it->second.generation == generation_) {
        ++it;
      } else {
        Release(it->second);
        it = devices_.erase(it);
      }
    }
  }

 private:
  // Per dynamic attribute: an open descriptor, or one of these.
  static constexpr int kClosed = -1;  // opened on the next read
  static constexpr int kAbsent = -2;  // no such file: skipped until the device is re-created

  struct Device {
    ino_t ino = 0;
    bool ignored = false;
    bool keep_open = false;  // attribute descriptors stay open (within the fd budget)
    int dirfd = -1;          // O_PATH handle on the device's directory
    uint64_t generation = 0;
    std::array<int, kNumDynamic> fds;
    NetClassIface statics;
    Device() { fds.fill(kClosed); }
    Device(Device&& o) noexcept
        : ino(o.ino), ignored(o.ignored), keep_open(o.keep_open), dirfd(o.dirfd),
          generation(o.generation), fds(o.fds), statics(std::move(o.statics)) {
      o.dirfd = -1;
      o.keep_open = false;
      o.fds.fill(kClosed);
    }
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;
    Device& operator=(Device&&) = delete;
    ~Device() {
      // Release() closes and returns the budget; this is only a safety net.
      for (int fd : fds) {
        if (fd >= 0) ::close(fd);
      }
      if (dirfd >= 0) ::close(dirfd);
    }
  };

  // Opens a new (or re-created) device and reads its static attributes.
  bool Open(const DirEntry& entry, Device& dev) {
    std::string path = class_net_ + "/" + entry.name;
    if (entry.type == DT_REG) {
      // Real sysfs lists only bonding_masters as a file here and it is
      // skipped, as procfs does. A fixture tree unpacked without symlinks
      // holds a link as a file naming its target; ResolveDirLink follows that
      // and rejects any other file.
      auto dir = ResolveDirLink(path);
      if (!dir) return false;
      path = std::move(*dir);
    }
    int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;  // removed since the listing, or not a directory
    dev.dirfd = fd;
    dev.statics = NetClassIface{};
    dev.statics.name = entry.name;
    for (const AttrDef& def : kStaticAttrs) {
      if (ReadAt(fd, def.file, value_) == 0) SetAttr(dev.statics, def, value_);
    }
    if (fds_reserved_ + kNumDynamic <= fd_budget_) {
      dev.keep_open = true;
      fds_reserved_ += kNumDynamic;
    }
    return true;
  }

  void Release(Device& dev) {
    for (int& fd : dev.fds) {
      if (fd >= 0) ::close(fd);
      fd = kClosed;
    }
    if (dev.dirfd >= 0) ::close(dev.dirfd);
    dev.dirfd = -1;
    if (dev.keep_open) fds_reserved_ -= kNumDynamic;
    dev.keep_open = false;
  }

  // One dynamic attribute: a pread on the kept descriptor. A read that fails
  // with EINVAL (speed, duplex or carrier of a down link, speed of lo) keeps
  // the descriptor, so the retry next scrape is one pread and the value is
  // back as soon as the link is up. Any other failure (ENODEV once the
  // device is unregistered) closes it, and the next scrape opens the file
  // again through the device directory. 0 or an errno.
  int ReadDynamic(Device& dev, size_t i, std::string& out) {
    int& fd = dev.fds[i];
    if (fd == kAbsent) return ENOENT;
    if (fd < 0) {
      std::string name(kDynamicAttrs[i].file);
      fd = ::openat(dev.dirfd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
      if (fd < 0) {
        int err = errno;
        fd = err == ENOENT ? kAbsent : kClosed;
        out.clear();
        return err;
      }
    }
    int err = PreadAttr(fd, out);
    if (!dev.keep_open || (err != 0 && err != EINVAL)) {
      ::close(fd);
      fd = kClosed;
    }
    return err;
  }

  std::string class_net_;
  std::regex ignored_;
  bool ignore_invalid_speed_;
  size_t fd_budget_;
  size_t fds_reserved_ = 0;
  uint64_t generation_ = 0;
  std::map<std::string, Device, std::less<>> devices_;
  std::vector<DirEntry> entries_;
  std::string value_;
};

NetclassOptions& FlagOptions() {
  static NetclassOptions options;
  return options;
}

void AddNetclassFlags(CLI::App& app) {
  auto& o = FlagOptions();
  const char* group = "netclass collector";
  app.add_option("--collector.netclass.ignored-devices", o.ignored_devices,
                 "Regexp of net devices to ignore for netclass collector.")
      ->capture_default_str()
      ->group(group);
  app.add_flag(
         "--collector.netclass.ignore-invalid-speed,!--no-collector.netclass.ignore-invalid-speed",
         o.ignore_invalid_speed,
         "Ignore devices where the speed is invalid. This will be the default behavior in 2.x.")
      ->group(group);
}

std::unique_ptr<Collector> CreateNetclass(const Paths& paths) {
  return CreateNetclassCollector(paths, FlagOptions());
}

const bool kRegistered = RegisterCollector(
    {"netclass", /*enabled_by_default=*/true, &AddNetclassFlags, &CreateNetclass});

}  // namespace

std::unique_ptr<Collector> CreateNetclassCollector(const Paths& paths,
                                                   const NetclassOptions& options) {
  return std::make_unique<NetclassCollector>(paths, options);
}

}  // namespace node_agent
