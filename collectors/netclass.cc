#include "collectors/netclass.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
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

bool SetNetClassAttribute(NetClassIface& iface, std::string_view attr, std::string_view value) {
  value = Trim(value);
  static const std::map<std::string_view, std::string NetClassIface::*, std::less<>> kStrings = {
      {"address", &NetClassIface::address},     {"broadcast", &NetClassIface::broadcast},
      {"duplex", &NetClassIface::duplex},       {"ifalias", &NetClassIface::ifalias},
      {"operstate", &NetClassIface::operstate},
  };
  using IntField = std::optional<int64_t> NetClassIface::*;
  static const std::map<std::string_view, IntField, std::less<>> kInts = {
      {"addr_assign_type", &NetClassIface::addr_assign_type},
      {"carrier", &NetClassIface::carrier},
      {"carrier_changes", &NetClassIface::carrier_changes},
      {"carrier_up_count", &NetClassIface::carrier_up_count},
      {"carrier_down_count", &NetClassIface::carrier_down_count},
      {"dev_id", &NetClassIface::dev_id},
      {"dormant", &NetClassIface::dormant},
      {"flags", &NetClassIface::flags},
      {"ifindex", &NetClassIface::ifindex},
      {"iflink", &NetClassIface::iflink},
      {"link_mode", &NetClassIface::link_mode},
      {"mtu", &NetClassIface::mtu},
      {"name_assign_type", &NetClassIface::name_assign_type},
      {"netdev_group", &NetClassIface::netdev_group},
      {"speed", &NetClassIface::speed},
      {"tx_queue_len", &NetClassIface::tx_queue_len},
      {"type", &NetClassIface::type},
  };
  if (auto it = kStrings.find(attr); it != kStrings.end()) {
    iface.*(it->second) = std::string(value);
    return true;
  }
  if (auto it = kInts.find(attr); it != kInts.end()) {
    iface.*(it->second) = ParseSysfsInt(value);
    return true;
  }
  return false;
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
  auto push = [&](MetricType type, std::string_view name, const std::optional<int64_t>& v) {
    if (!v) return;
    out.Add(type, fmt::format("node_network_{}", name),
            fmt::format("Network device property: {}", name), {{"device", dev}},
            static_cast<double>(*v));
  };
  using T = MetricType;
  push(T::Gauge, "address_assign_type", iface.addr_assign_type);
  push(T::Gauge, "carrier", iface.carrier);
  push(T::Counter, "carrier_changes_total", iface.carrier_changes);
  push(T::Counter, "carrier_up_changes_total", iface.carrier_up_count);
  push(T::Counter, "carrier_down_changes_total", iface.carrier_down_count);
  push(T::Gauge, "device_id", iface.dev_id);
  push(T::Gauge, "dormant", iface.dormant);
  push(T::Gauge, "flags", iface.flags);
  push(T::Gauge, "iface_id", iface.ifindex);
  push(T::Gauge, "iface_link", iface.iflink);
  push(T::Gauge, "iface_link_mode", iface.link_mode);
  push(T::Gauge, "mtu_bytes", iface.mtu);
  push(T::Gauge, "net_dev_group", iface.netdev_group);
  push(T::Gauge, "name_assign_type", iface.name_assign_type);
  if (iface.speed && (*iface.speed >= 0 || !ignore_invalid_speed)) {
    // Go's int64(speed*1000*1000/8): wrapping multiply, truncating divide.
    auto bits = static_cast<int64_t>(static_cast<uint64_t>(*iface.speed) * 1000000u);
    push(T::Gauge, "speed_bytes", bits / 8);
  }
  push(T::Gauge, "transmit_queue_length", iface.tx_queue_len);
  push(T::Gauge, "protocol_type", iface.type);
}

namespace {

// Attributes that are fixed for a network device's lifetime: read once per
// device and again only when the device is re-created (seen as a new inode
// of its class/net entry). MAC address and addr_assign_type are not here: a
// bridge's address follows its ports.
constexpr std::string_view kStaticAttrs[] = {"dev_id", "ifindex", "iflink", "name_assign_type",
                                             "type"};
constexpr std::string_view kDynamicAttrs[] = {
    "addr_assign_type", "address",   "broadcast",    "carrier",   "carrier_changes",
    "carrier_down_count", "carrier_up_count", "dormant", "duplex", "flags",
    "ifalias",          "link_mode", "mtu",          "netdev_group", "operstate",
    "speed",            "tx_queue_len"};

// Reads an attribute relative to an open directory. 0 or an errno; reads such
// as `speed` on a down link fail with EINVAL and just leave the attribute out.
int ReadAt(int dirfd, std::string_view name, std::string& out) {
  out.clear();
  std::string path(name);
  int fd = ::openat(dirfd, path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return errno;
  char buf[4096];  // sysfs attributes are at most a page
  int err = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      out.clear();
      break;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
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

class NetclassCollector : public Collector {
 public:
  NetclassCollector(const Paths& paths, const NetclassOptions& options)
      : class_net_(paths.Sys("class/net")),
        ignored_(CompileFlagRegex("collector.netclass.ignored-devices", options.ignored_devices)),
        ignore_invalid_speed_(options.ignore_invalid_speed) {}

  ~NetclassCollector() override {
    for (auto& [name, dev] : devices_) ::close(dev.dirfd);
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
    std::map<std::string, Device> seen;
    for (const auto& entry : entries_) {
      if (std::regex_search(entry.name, ignored_)) continue;
      Device dev;
      if (auto it = devices_.find(entry.name); it != devices_.end() && it->second.ino == entry.ino) {
        dev = it->second;
        devices_.erase(it);
      } else if (!Open(entry, dev)) {
        continue;
      }
      NetClassIface iface = dev.statics;
      for (std::string_view attr : kDynamicAttrs) {
        if (ReadAt(dev.dirfd, attr, value_) == 0) SetNetClassAttribute(iface, attr, value_);
      }
      AddNetClassMetrics(iface, ignore_invalid_speed_, out);
      seen.emplace(entry.name, dev);
    }
    for (auto& [name, dev] : devices_) ::close(dev.dirfd);  // gone or re-created
    devices_ = std::move(seen);
  }

 private:
  struct Device {
    ino_t ino = 0;
    int dirfd = -1;  // O_PATH handle on the device's directory
    NetClassIface statics;
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
    dev.ino = entry.ino;
    dev.dirfd = fd;
    dev.statics = NetClassIface{};
    dev.statics.name = entry.name;
    for (std::string_view attr : kStaticAttrs) {
      if (ReadAt(fd, attr, value_) == 0) SetNetClassAttribute(dev.statics, attr, value_);
    }
    return true;
  }

  std::string class_net_;
  std::regex ignored_;
  bool ignore_invalid_speed_;
  std::map<std::string, Device> devices_;
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
