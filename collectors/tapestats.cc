#include "collectors/tapestats.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "lib/log.h"
#include "lib/regex.h"
#include "lib/sysfs_link.h"
#include "lib/sysfs_value.h"

namespace node_agent {

bool SetTapeCounter(TapeCounters& counters, std::string_view file, std::string_view content) {
  for (size_t i = 0; i < kTapeStatFiles.size(); ++i) {
    if (kTapeStatFiles[i] != file) continue;
    counters.values[i] = ParseGoUintBase0(Trim(content));
    return counters.values[i].has_value();
  }
  return true;
}

bool IsTapeDeviceName(std::string_view name) {
  // procfs: ^st\d+$ (Go's \d is ASCII digits only).
  if (name.size() < 3 || name.substr(0, 2) != "st") return false;
  for (char c : name.substr(2)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

namespace {

// Per kTapeStatFiles entry: the metric, its help, and the scale to the
// exported unit.
struct TapeMetric {
  MetricType type;
  std::string_view name;
  std::string_view help;
  double scale;
};
constexpr TapeMetric kTapeMetrics[] = {
    {MetricType::Gauge, "node_tape_io_now", "The number of I/Os currently outstanding to this device.", 1},
    {MetricType::Counter, "node_tape_io_time_seconds_total",
     "The amount of time spent waiting for all I/O to complete (including read and write). This includes tape "
     "movement commands such as seeking between file or set marks and implicit tape movement such as when rewind "
     "on close tape devices are used.",
     0.000000001},
    {MetricType::Counter, "node_tape_io_others_total",
     "The number of I/Os issued to the tape drive other than read or write commands. The time taken to complete "
     "these commands uses the following calculation io_time_seconds_total-read_time_seconds_total-write_time_"
     "seconds_total",
     1},
    {MetricType::Counter, "node_tape_read_bytes_total", "The number of bytes read from the tape drive.", 1},
    {MetricType::Counter, "node_tape_reads_completed_total", "The number of read requests issued to the tape drive.",
     1},
    {MetricType::Counter, "node_tape_read_time_seconds_total",
     "The amount of time spent waiting for read requests to complete.", 0.000000001},
    {MetricType::Counter, "node_tape_residual_total",
     "The number of times during a read or write we found the residual amount to be non-zero. This should mean "
     "that a program is issuing a read larger thean the block size on tape. For write not all data made it to "
     "tape.",
     1},
    {MetricType::Counter, "node_tape_written_bytes_total", "The number of bytes written to the tape drive.", 1},
    {MetricType::Counter, "node_tape_writes_completed_total",
     "The number of write requests issued to the tape drive.", 1},
    {MetricType::Counter, "node_tape_write_time_seconds_total",
     "The amount of time spent waiting for write requests to complete.", 0.000000001},
};
static_assert(std::size(kTapeMetrics) == kTapeStatFiles.size());

TapestatsOptions g_options;

void AddTapestatsFlags(CLI::App& app) {
  app.add_option("--collector.tapestats.ignored-devices", g_options.ignored_devices,
                 "Regexp of devices to ignore for tapestats.")
      ->capture_default_str()
      ->group("tapestats collector");
}

class TapestatsCollector : public Collector {
 public:
  TapestatsCollector(const Paths& paths, const TapestatsOptions& options)
      : class_dir_(paths.Sys("class/scsi_tape"), IsSysfsMount(paths.sysfs)),
        ignored_(Regex::ForFlag("collector.tapestats.ignored-devices", options.ignored_devices)) {}

  void Collect(MetricSet& out) override {
    // The one check on a node without tape drives: the class directory.
    if (int err = class_dir_.List(entries_); err != 0) {
      if (err == ENOENT) return out.SetNoData("scsi_tape stats not found, skipping");
      throw std::runtime_error(fmt::format("error obtaining SCSITape class info: open {}: {}", class_dir_.path(),
                                           std::strerror(err)));
    }
    for (const DirEntry& entry : entries_) {
      if (!IsTapeDeviceName(entry.name)) continue;
      TapeCounters counters = ReadTape(entry);
      if (ignored_.Matches(entry.name)) {
        log::Debug("Ignoring device", {{"device", entry.name}});
        continue;
      }
      for (size_t i = 0; i < kTapeStatFiles.size(); ++i) {
        const auto& v = counters.values[i];
        const TapeMetric& m = kTapeMetrics[i];
        if (v) out.Add(m.type, m.name, m.help, {{"device", entry.name}}, static_cast<double>(*v) * m.scale);
      }
    }
  }

 private:
  // procfs reads every drive before node_exporter filters: a drive whose
  // stats cannot be read fails the scrape even when ignored.
  TapeCounters ReadTape(const DirEntry& entry) {
    std::string stats = EntryDir(class_dir_.path() + "/" + entry.name, entry.type) + "/stats";
    TapeCounters counters;
    DirLister lister(stats, false);
    if (int err = lister.List(files_); err != 0) {
      // procfs returns the bare open error, which node_exporter tests with
      // os.IsNotExist: a drive without stats/ means no data at all.
      if (err == ENOENT) throw NoDataError("scsi_tape stats not found, skipping");
      throw std::runtime_error(
          fmt::format("error obtaining SCSITape class info: open {}: {}", stats, std::strerror(err)));
    }
    skipped_.clear();
    for (const DirEntry& f : files_) {
      std::string path = stats + "/" + f.name;
      if (int err = SysReadFile(path, value_); err != 0) {
        throw std::runtime_error(fmt::format("error obtaining SCSITape class info: failed to read file \"{}\": {}",
                                             path, std::strerror(err)));
      }
      if (!SetTapeCounter(counters, f.name, value_)) skipped_.push_back(f.name + ": " + value_);
    }
    ReportSkipped("tapestats", stats, skipped_);
    return counters;
  }

  DirLister class_dir_;
  Regex ignored_;
  std::vector<DirEntry> entries_, files_;
  std::vector<std::string> skipped_;
  std::string value_;
};

std::unique_ptr<Collector> CreateTapestats(const Paths& paths) { return NewTapestatsCollector(paths, g_options); }

NODE_AGENT_REGISTER_COLLECTOR("tapestats", kEnabledByDefault, &AddTapestatsFlags, &CreateTapestats);

}  // namespace

std::unique_ptr<Collector> NewTapestatsCollector(const Paths& paths, const TapestatsOptions& options) {
  return std::make_unique<TapestatsCollector>(paths, options);
}

}  // namespace node_agent
