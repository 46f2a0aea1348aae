#include "collectors/diskstats.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <stdexcept>

#include "lib/device_filter.h"
#include "lib/log.h"

namespace node_agent {

// ---------------------------------------------------------------------------
// Parsers

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// Next whitespace-separated token of `s` starting at *pos; empty at the end.
std::string_view NextToken(std::string_view s, size_t* pos) {
  size_t i = *pos;
  while (i < s.size() && IsBlank(s[i])) ++i;
  size_t start = i;
  while (i < s.size() && !IsBlank(s[i])) ++i;
  *pos = i;
  return s.substr(start, i - start);
}

template <typename T>
bool ParseUnsigned(std::string_view tok, T* out) {
  if (tok.empty()) return false;
  auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), *out, 10);
  return ec == std::errc() && ptr == tok.data() + tok.size();
}

// Parses one line; false when it is not a usable diskstats record.
bool ParseDiskstatsLine(std::string_view line, DiskstatsLine* d) {
  size_t pos = 0;
  std::string_view major = NextToken(line, &pos);
  std::string_view minor = NextToken(line, &pos);
  std::string_view name = NextToken(line, &pos);
  if (!ParseUnsigned(major, &d->major) || !ParseUnsigned(minor, &d->minor) || name.empty()) {
    return false;
  }
  d->name.assign(name);
  int count = 3;
  // procfs scans at most 20 fields and ignores the rest of the line.
  for (size_t i = 0; i < d->stats.size(); ++i) {
    std::string_view tok = NextToken(line, &pos);
    if (tok.empty()) break;
    if (!ParseUnsigned(tok, &d->stats[i])) return false;
    ++count;
  }
  d->count = count;
  return count >= 14;
}

}  // namespace

DiskstatsParseResult ParseDiskstats(std::string_view content) {
  DiskstatsParseResult result;
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(start, end - start);
    start = end + 1;
    if (Trim(line).empty()) continue;
    DiskstatsLine d;
    if (ParseDiskstatsLine(line, &d)) {
      result.disks.push_back(std::move(d));
    } else {
      result.malformed.emplace_back(line);
    }
  }
  return result;
}

UdevInfo ParseUdevData(std::string_view content) {
  UdevInfo info;
  for (std::string_view line : Lines(content)) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.substr(0, 2) != "E:") continue;
    line.remove_prefix(2);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    info[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  return info;
}

// ---------------------------------------------------------------------------
// Collector

namespace {

constexpr double kSecondsPerTick = 1.0 / 1000.0;
// /proc/diskstats counts standard UNIX 512-byte sectors whatever the device.
constexpr double kUnixSectorSize = 512.0;

struct StatDesc {
  const char* name;
  const char* help;
  MetricType type;
  double scale;
};

// In /proc/diskstats field order; a line with N fields yields the first N-3.
constexpr StatDesc kStatDescs[17] = {
    {"node_disk_reads_completed_total", "The total number of reads completed successfully.",
     MetricType::Counter, 1},
    {"node_disk_reads_merged_total", "The total number of reads merged.", MetricType::Counter, 1},
    {"node_disk_read_bytes_total", "The total number of bytes read successfully.",
     MetricType::Counter, kUnixSectorSize},
    {"node_disk_read_time_seconds_total", "The total number of seconds spent by all reads.",
     MetricType::Counter, kSecondsPerTick},
    {"node_disk_writes_completed_total", "The total number of writes completed successfully.",
     MetricType::Counter, 1},
    {"node_disk_writes_merged_total", "The number of writes merged.", MetricType::Counter, 1},
    {"node_disk_written_bytes_total", "The total number of bytes written successfully.",
     MetricType::Counter, kUnixSectorSize},
    {"node_disk_write_time_seconds_total",
     "This is the total number of seconds spent by all writes.", MetricType::Counter,
     kSecondsPerTick},
    {"node_disk_io_now", "The number of I/Os currently in progress.", MetricType::Gauge, 1},
    {"node_disk_io_time_seconds_total", "Total seconds spent doing I/Os.", MetricType::Counter,
     kSecondsPerTick},
    {"node_disk_io_time_weighted_seconds_total", "The weighted # of seconds spent doing I/Os.",
     MetricType::Counter, kSecondsPerTick},
    {"node_disk_discards_completed_total", "The total number of discards completed successfully.",
     MetricType::Counter, 1},
    {"node_disk_discards_merged_total", "The total number of discards merged.",
     MetricType::Counter, 1},
    // Not scaled to bytes, as node_exporter.
    {"node_disk_discarded_sectors_total", "The total number of sectors discarded successfully.",
     MetricType::Counter, 1},
    {"node_disk_discard_time_seconds_total",
     "This is the total number of seconds spent by all discards.", MetricType::Counter,
     kSecondsPerTick},
    {"node_disk_flush_requests_total",
     "The total number of flush requests completed successfully", MetricType::Counter, 1},
    {"node_disk_flush_requests_time_seconds_total",
     "This is the total number of seconds spent by all flush requests.", MetricType::Counter,
     kSecondsPerTick},
};

struct AtaDesc {
  const char* property;
  const char* name;
  const char* help;
};
constexpr AtaDesc kAtaDescs[] = {
    {"ID_ATA_WRITE_CACHE", "node_disk_ata_write_cache", "ATA disk has a write cache."},
    {"ID_ATA_WRITE_CACHE_ENABLED", "node_disk_ata_write_cache_enabled",
     "ATA disk has its write cache enabled."},
    {"ID_ATA_ROTATION_RATE_RPM", "node_disk_ata_rotation_rate_rpm",
     "ATA disk rotation rate in RPMs (0 for SSDs)."},
};

// procfs reads /sys/block/<dev>/queue as a whole and node_exporter falls back
// to rotational 0 when any of these files is missing or not a number, so the
// same set is checked here.
constexpr const char* kQueueUintFiles[] = {
    "add_random",        "dax",          "discard_granularity", "discard_max_hw_bytes",
    "discard_max_bytes", "hw_sector_size", "io_poll",           "io_timeout",
    "iostats",           "logical_block_size", "max_hw_sectors_kb", "max_integrity_segments",
    "max_sectors_kb",    "max_segments", "max_segment_size",    "minimum_io_size",
    "nomerges",          "nr_requests",  "optimal_io_size",     "physical_block_size",
    "read_ahead_kb",     "rotational",   "rq_affinity",         "write_same_max_bytes",
    "nr_zones",          "chunk_sectors", "fua",                "max_discard_segments",
    "write_zeroes_max_bytes"};
constexpr const char* kQueueIntFiles[] = {"io_poll_delay", "wbt_lat_usec"};
constexpr const char* kQueueStringFiles[] = {"write_cache", "zoned", "scheduler"};

// The rotational label: queue/rotational printed in base 2 (as node_exporter
// does), "0" when the queue stats cannot be read in full.
std::string RotationalLabel(const Paths& paths, const std::string& dev) {
  const std::string queue = paths.Sys("block/" + dev + "/queue/");
  uint64_t rotational = 0;
  for (const char* f : kQueueUintFiles) {
    auto v = ReadUint(queue + f);
    if (!v) return "0";
    if (std::strcmp(f, "rotational") == 0) rotational = *v;
  }
  for (const char* f : kQueueIntFiles) {
    if (!ReadInt(queue + f)) return "0";
  }
  for (const char* f : kQueueStringFiles) {
    if (!ReadAttr(queue + f)) return "0";
  }
  if (rotational == 0) return "0";
  std::string bits;
  for (uint64_t v = rotational; v != 0; v >>= 1) bits.insert(bits.begin(), char('0' + (v & 1)));
  return bits;
}

const std::string& Get(const UdevInfo& info, const char* key) {
  static const std::string kEmpty;
  auto it = info.find(key);
  return it == info.end() ? kEmpty : it->second;
}

// What is read once per device set: everything but the counters.
struct DiskStatic {
  bool ignored = false;
  Labels info_labels;
  std::optional<Labels> filesystem_labels;
  std::optional<Labels> device_mapper_labels;
  std::vector<std::pair<const AtaDesc*, double>> ata;
};

class DiskstatsCollector : public Collector {
 public:
  DiskstatsCollector(const Paths& paths, DeviceFilter filter)
      : paths_(paths), filter_(std::move(filter)), file_(paths.Proc("diskstats"), ShortRead::kShortRecords) {
    if (!IsDir(paths_.udev_data)) {
      log::Error("Failed to open directory, disabling udev device properties",
                 {{"path", paths_.udev_data}});
    }
  }

  void Collect(MetricSet& out) override {
    ReadOrThrow(file_, buf_, "couldn't get diskstats: open ");
    DiskstatsParseResult parsed = ParseDiskstats(buf_);
    for (const std::string& line : parsed.malformed) {
      size_t pos = 0;
      NextToken(line, &pos);
      NextToken(line, &pos);
      std::string name(NextToken(line, &pos));
      log::WarnOnce("diskstats:" + (name.empty() ? line : name),
                    "Skipping malformed /proc/diskstats line", {{"line", line}});
    }
    RefreshIfDeviceSetChanged(parsed.disks);

    for (size_t i : order_) {
      const DiskstatsLine& d = parsed.disks[i];
      const DiskStatic& s = static_[i];
      if (s.ignored) continue;
      out.Gauge("node_disk_info", "Info of /sys/block/<block_device>.", s.info_labels, 1);
      int stat_count = d.count - 3;
      for (int k = 0; k < stat_count; ++k) {
        const StatDesc& desc = kStatDescs[k];
        out.Add(desc.type, desc.name, desc.help, {{"device", d.name}},
                static_cast<double>(d.stats[k]) * desc.scale);
      }
      if (s.filesystem_labels) {
        out.Gauge("node_disk_filesystem_info", "Info about disk filesystem.", *s.filesystem_labels,
                  1);
      }
      if (s.device_mapper_labels) {
        out.Gauge("node_disk_device_mapper_info", "Info about disk device mapper.",
                  *s.device_mapper_labels, 1);
      }
      for (const auto& [desc, value] : s.ata) {
        out.Gauge(desc->name, desc->help, {{"device", d.name}}, value);
      }
    }
  }

 private:
  // Re-reads udev properties and sysfs attributes only when the list of
  // (major, minor, name) in /proc/diskstats differs from the last scrape.
  void RefreshIfDeviceSetChanged(const std::vector<DiskstatsLine>& disks) {
    scratch_.clear();
    for (const auto& d : disks) {
      fmt::format_to(std::back_inserter(scratch_), "{}:{}:{}\n", d.major, d.minor, d.name);
    }
    if (scratch_ == signature_ && static_.size() == disks.size()) return;
    signature_.swap(scratch_);

    static_.clear();
    static_.reserve(disks.size());
    for (const auto& d : disks) static_.push_back(ReadStatic(d));
    // Samples sorted by device, as client_golang exposes them.
    order_.resize(disks.size());
    for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
    std::stable_sort(order_.begin(), order_.end(),
                     [&](size_t a, size_t b) { return disks[a].name < disks[b].name; });
  }

  DiskStatic ReadStatic(const DiskstatsLine& d) const {
    DiskStatic s;
    s.ignored = filter_.Ignored(d.name);
    if (s.ignored) return s;

    UdevInfo info;
    std::string content;
    int err = 0;
    if (ReadFile(paths_.Udev(fmt::format("b{}:{}", d.major, d.minor)), content, &err)) {
      info = ParseUdevData(content);
    } else {
      log::Debug("Failed to parse udev info", {{"device", d.name}, {"err", std::strerror(err)}});
    }

    // The serial printed on the disk label; fall back to ID_SERIAL_SHORT, then
    // ID_SERIAL (virtio).
    std::string serial = Get(info, "SCSI_IDENT_SERIAL");
    if (serial.empty()) serial = Get(info, "ID_SERIAL_SHORT");
    if (serial.empty()) serial = Get(info, "ID_SERIAL");

    s.info_labels = {
        {"device", d.name},
        {"major", std::to_string(d.major)},
        {"minor", std::to_string(d.minor)},
        {"model", Get(info, "ID_MODEL")},
        {"path", Get(info, "ID_PATH")},
        {"revision", Get(info, "ID_REVISION")},
        {"rotational", RotationalLabel(paths_, d.name)},
        {"serial", serial},
        {"wwn", Get(info, "ID_WWN")},
    };

    if (const std::string& type = Get(info, "ID_FS_TYPE"); !type.empty()) {
      s.filesystem_labels = Labels{{"device", d.name},
                                   {"type", type},
                                   {"usage", Get(info, "ID_FS_USAGE")},
                                   {"uuid", Get(info, "ID_FS_UUID")},
                                   {"version", Get(info, "ID_FS_VERSION")}};
    }

    if (const std::string& name = Get(info, "DM_NAME"); !name.empty()) {
      s.device_mapper_labels = Labels{{"device", d.name},
                                      {"lv_layer", Get(info, "DM_LV_LAYER")},
                                      {"lv_name", Get(info, "DM_LV_NAME")},
                                      {"name", name},
                                      {"uuid", Get(info, "DM_UUID")},
                                      {"vg_name", Get(info, "DM_VG_NAME")}};
    }

    if (!Get(info, "ID_ATA").empty()) {
      for (const AtaDesc& desc : kAtaDescs) {
        auto it = info.find(desc.property);
        if (it == info.end()) {
          log::Debug("Udev attribute does not exist", {{"attribute", desc.property}});
          continue;
        }
        if (auto v = ParseDouble(it->second)) {
          s.ata.emplace_back(&desc, *v);
        } else {
          log::Error("Failed to parse ATA value",
                     {{"device", d.name}, {"attribute", desc.property}, {"value", it->second}});
        }
      }
    }
    return s;
  }

  Paths paths_;
  DeviceFilter filter_;
  CachedFile file_;
  std::string buf_;
  std::string signature_;
  std::string scratch_;
  std::vector<DiskStatic> static_;  // parallel to the parsed lines
  std::vector<size_t> order_;       // line indices sorted by device name
};

// Flags, bound by AddDiskstatsFlags.
struct DiskstatsFlags {
  DiskstatsOptions options;
  // Set while parsing: the CLI::App (and its options) is gone by the time
  // collectors are created, so no CLI::Option* may be kept.
  bool exclude_given = false;
};
DiskstatsFlags& Flags() {
  static DiskstatsFlags flags;
  return flags;
}

void AddDiskstatsFlags(CLI::App& app) {
  DiskstatsFlags& f = Flags();
  AddFlagRecordingGiven(app, "--collector.diskstats.device-exclude", f.options.device_exclude, f.exclude_given,
                        "Regexp of diskstats devices to exclude (mutually exclusive to device-include).")
      ->default_str(f.options.device_exclude)
      ->group("diskstats collector");
  app.add_option("--collector.diskstats.device-include", f.options.device_include,
                 "Regexp of diskstats devices to include (mutually exclusive to device-exclude).")
      ->group("diskstats collector");
  // Hidden, as in node_exporter: an empty group hides an option in CLI11.
  app.add_option("--collector.diskstats.ignored-devices", f.options.ignored_devices,
                 "DEPRECATED: Use collector.diskstats.device-exclude")
      ->group("");
}

std::unique_ptr<Collector> CreateDiskstats(const Paths& paths) {
  DiskstatsOptions options = Flags().options;
  options.device_exclude_set = Flags().exclude_given;
  return NewDiskstatsCollector(paths, options);
}

}  // namespace

constexpr FilterFlagNames kDiskstatsFilterFlags{.exclude = "collector.diskstats.device-exclude",
                                                .include = "collector.diskstats.device-include",
                                                .old_exclude = "collector.diskstats.ignored-devices",
                                                .exclude_has_default = true};

std::unique_ptr<Collector> NewDiskstatsCollector(const Paths& paths,
                                                 const DiskstatsOptions& options) {
  DeviceFilter filter = ResolveFilterFlags(kDiskstatsFilterFlags, {.exclude = options.device_exclude,
                                                                   .exclude_given = options.device_exclude_set,
                                                                   .include = options.device_include,
                                                                   .old_exclude = options.ignored_devices});
  return std::make_unique<DiskstatsCollector>(paths, std::move(filter));
}

namespace {
NODE_AGENT_REGISTER_COLLECTOR("diskstats", kEnabledByDefault, &AddDiskstatsFlags, &CreateDiskstats);
}  // namespace

}  // namespace node_agent
