#include "collectors/thermal_zone.h"

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <vector>

#include "lib/fs.h"
#include "lib/log.h"
#include "lib/sysfs_link.h"

namespace node_agent {

std::optional<std::string> MatchNumberedEntry(std::string_view entry, std::string_view prefix) {
  if (entry.size() <= prefix.size() || entry.substr(0, prefix.size()) != prefix) {
    return std::nullopt;
  }
  char c = entry[prefix.size()];
  if (c < '0' || c > '9') return std::nullopt;
  return std::string(entry.substr(prefix.size()));
}

ZoneReadError ClassifyZoneError(int err) {
  switch (err) {
    case ENOENT:
    case EACCES:
    case EPERM:
      return ZoneReadError::kMissing;
    // Failures to open (Go's *PathError) and the two read errors procfs
    // tolerates.
    case ENOTDIR:
    case ELOOP:
    case ENAMETOOLONG:
    case ENXIO:
    case ENODEV:
    case ENODATA:
    case EAGAIN:
      return ZoneReadError::kSkipZone;
    default:
      return ZoneReadError::kFatal;
  }
}

bool CoolingErrorIgnorable(int err) {
  return err == ENOENT || err == EACCES || err == EPERM || err == EINVAL || err == EOPNOTSUPP;
}

namespace {

std::string ErrnoText(int err) { return std::system_category().message(err); }

class ThermalZoneCollector : public Collector {
 public:
  explicit ThermalZoneCollector(const Paths& paths)
      : class_lister_(paths.Sys("class/thermal"), IsSysfsMount(paths.sysfs)) {}

  void Collect(MetricSet& out) override {
    // A missing class lists empty, as node_exporter's glob matches nothing.
    class_lister_.List(entries_);
    if (rescan_ || !SameNames(entries_, listing_)) {
      listing_.swap(entries_);
      Rescan(class_lister_.path());
    }

    // All zones are read before any is reported: node_exporter reports none
    // when one fails fatally.
    struct ZoneSample {
      const Zone* zone;
      double temp;
    };
    std::vector<ZoneSample> zones;
    for (auto& zone : zones_) {
      auto temp = ReadZone(zone);
      if (temp) zones.push_back({&zone, static_cast<double>(*temp)});
    }
    for (const auto& z : zones) {
      out.Gauge("node_thermal_zone_temp", "Zone temperature in Celsius",
                {{"zone", z.zone->name}, {"type", *z.zone->type}}, z.temp / 1000.0);
    }

    struct DeviceSample {
      const Device* device;
      int64_t cur, max;
    };
    std::vector<DeviceSample> devices;
    for (auto& dev : devices_) {
      int64_t cur = 0, max = 0;
      if (ReadDevice(dev, &cur, &max)) devices.push_back({&dev, cur, max});
    }
    for (const auto& d : devices) {
      Labels labels{{"name", d.device->name}, {"type", *d.device->type}};
      out.Gauge("node_cooling_device_cur_state", "Current throttle state of the cooling device",
                labels, static_cast<double>(d.cur));
      out.Gauge("node_cooling_device_max_state", "Maximum throttle state of the cooling device",
                std::move(labels), static_cast<double>(d.max));
    }
  }

 private:
  struct Zone {
    std::string name;
    std::optional<std::string> type;  // read once; nullopt: unreadable
    int type_error = 0;
    CachedFile mode, policy, temp, passive;
  };
  struct Device {
    std::string name;
    std::optional<std::string> type;
    int type_error = 0;
    CachedFile max_state, cur_state;
  };

  // Reads an attribute, trimmed as procfs' SysReadFile does. Returns 0 or an
  // errno; a vanished file triggers a rescan.
  int Read(CachedFile& f, std::string& out) {
    int err = f.Read(out);
    if (err == ENOENT || err == ENODEV || err == ENXIO) rescan_ = true;
    if (err == 0) out = std::string(Trim(out));
    return err;
  }

  [[noreturn]] static void Fail(const std::string& what, const std::string& detail) {
    throw std::runtime_error(what + ": " + detail);
  }

  // Temperature in millidegrees, or nullopt when the zone is skipped.
  // Throws when procfs would fail the whole read.
  std::optional<int64_t> ReadZone(Zone& z) {
    auto check = [&](int err, const std::string& path, bool optional) {
      switch (ClassifyZoneError(err)) {
        case ZoneReadError::kMissing:
          return optional;
        case ZoneReadError::kSkipZone:
          return false;
        case ZoneReadError::kFatal:
          Fail(path, ErrnoText(err));
      }
      return false;
    };
    std::string buf;
    if (int err = Read(z.mode, buf)) {
      if (!check(err, z.mode.path(), true)) return std::nullopt;
    } else if (buf == "disabled") {
      return std::nullopt;  // procfs: ENODATA, skipped
    }
    if (!z.type) {
      check(z.type_error, z.name, false);
      return std::nullopt;
    }
    if (int err = Read(z.policy, buf)) {
      if (!check(err, z.policy.path(), false)) return std::nullopt;
    }
    if (int err = Read(z.temp, buf)) {
      if (!check(err, z.temp.path(), false)) return std::nullopt;
    }
    auto temp = ParseInt(buf);
    if (!temp) Fail(z.temp.path(), "invalid temperature '" + buf + "'");
    std::string passive;
    if (int err = Read(z.passive, passive)) {
      if (!check(err, z.passive.path(), true)) return std::nullopt;
    } else if (!ParseUint(passive)) {
      Fail(z.passive.path(), "invalid value '" + passive + "'");
    }
    return *temp;
  }

  bool ReadDevice(Device& d, int64_t* cur, int64_t* max) {
    auto ignorable = [&](int err, const std::string& path) {
      if (!CoolingErrorIgnorable(err)) Fail(path, ErrnoText(err));
      return false;
    };
    if (!d.type) return ignorable(d.type_error, d.name);
    std::string buf;
    if (int err = Read(d.max_state, buf)) return ignorable(err, d.max_state.path());
    auto m = ParseInt(buf);
    if (!m) Fail(d.max_state.path(), "invalid value '" + buf + "'");
    if (int err = Read(d.cur_state, buf)) return ignorable(err, d.cur_state.path());
    auto c = ParseInt(buf);  // may be -1 (intel_powerclamp)
    if (!c) Fail(d.cur_state.path(), "invalid value '" + buf + "'");
    *cur = *c;
    *max = *m;
    return true;
  }

  static bool SameNames(const std::vector<DirEntry>& a, const std::vector<DirEntry>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const DirEntry& x, const DirEntry& y) { return x.name == y.name; });
  }

  // Resolves an entry; a stub that leads nowhere keeps its own path, so its
  // reads fail (ENOTDIR) as node_exporter's do.
  static std::string EntryDir(const std::string& path) {
    auto dir = ResolveDirLink(path);
    return dir ? *dir : path;
  }

  void Rescan(const std::string& class_dir) {
    rescan_ = false;
    zones_.clear();
    devices_.clear();
    for (const DirEntry& e : listing_) {
      const std::string& entry = e.name;
      if (auto name = MatchNumberedEntry(entry, "thermal_zone")) {
        std::string dir = EntryDir(class_dir + "/" + entry);
        Zone z;
        z.name = *name;
        std::string type;
        if (ReadFile(dir + "/type", type, &z.type_error)) {
          z.type = std::string(Trim(type));
        } else {
          rescan_ = true;  // node_exporter retries every scrape; so do we
        }
        z.mode = CachedFile(dir + "/mode", ShortRead::kIsEnd);
        z.policy = CachedFile(dir + "/policy", ShortRead::kIsEnd);
        z.temp = CachedFile(dir + "/temp", ShortRead::kIsEnd);
        z.passive = CachedFile(dir + "/passive", ShortRead::kIsEnd);
        zones_.push_back(std::move(z));
      } else if (auto dev_name = MatchNumberedEntry(entry, "cooling_device")) {
        std::string dir = EntryDir(class_dir + "/" + entry);
        Device d;
        d.name = *dev_name;
        std::string type;
        if (ReadFile(dir + "/type", type, &d.type_error)) {
          d.type = std::string(Trim(type));
        } else {
          rescan_ = true;  // node_exporter retries every scrape; so do we
        }
        d.max_state = CachedFile(dir + "/max_state", ShortRead::kIsEnd);
        d.cur_state = CachedFile(dir + "/cur_state", ShortRead::kIsEnd);
        devices_.push_back(std::move(d));
      }
    }
  }

  DirLister class_lister_;
  std::vector<DirEntry> entries_;  // this scrape's listing
  std::vector<DirEntry> listing_;  // the one zones_ and devices_ were built from
  bool rescan_ = true;
  std::vector<Zone> zones_;
  std::vector<Device> devices_;
};

std::unique_ptr<Collector> CreateThermalZone(const Paths& paths) {
  return NewThermalZoneCollector(paths);
}

NODE_AGENT_REGISTER_COLLECTOR("thermal_zone", kEnabledByDefault, nullptr, &CreateThermalZone);

}  // namespace

std::unique_ptr<Collector> NewThermalZoneCollector(const Paths& paths) {
  return std::make_unique<ThermalZoneCollector>(paths);
}

}  // namespace node_agent
