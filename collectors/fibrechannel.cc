#include "collectors/fibrechannel.h"

#include <dirent.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "lib/sysfs_link.h"
#include "lib/sysfs_value.h"

namespace node_agent {

bool SetFcHostAttr(FcHost& host, std::string_view file, std::string_view content) {
  for (size_t i = 0; i < kFcHostAttrs.size(); ++i) {
    if (kFcHostAttrs[i] != file) continue;
    std::string_view value = Trim(content);
    if ((file == "port_id" || file == "port_name" || file == "fabric_name") && value.size() > 2) {
      value.remove_prefix(2);
    }
    host.attrs[i].assign(value);
    return true;
  }
  return false;
}

bool SetFcCounter(FcHost& host, std::string_view file, std::string_view content) {
  for (size_t i = 0; i < kFcCounterFiles.size(); ++i) {
    if (kFcCounterFiles[i] != file) continue;
    host.counters[i] = ParseGoUintBase0(Trim(content));
    return host.counters[i].has_value();
  }
  return true;
}

namespace {

// Per kFcCounterFiles entry: the metric and its help.
struct FcMetric {
  std::string_view name;
  std::string_view help;
};
constexpr FcMetric kFcMetrics[] = {
    {"node_fibrechannel_dumped_frames_total", "Number of dumped frames"},
    {"node_fibrechannel_error_frames_total", "Number of errors in frames"},
    {"node_fibrechannel_invalid_crc_total", "Invalid Cyclic Redundancy Check count"},
    {"node_fibrechannel_rx_frames_total", "Number of frames received"},
    {"node_fibrechannel_rx_words_total", "Number of words received by host port"},
    {"node_fibrechannel_tx_frames_total", "Number of frames transmitted by host port"},
    {"node_fibrechannel_tx_words_total", "Number of words transmitted by host port"},
    {"node_fibrechannel_seconds_since_last_reset_total", "Number of seconds since last host port reset"},
    {"node_fibrechannel_invalid_tx_words_total", "Number of invalid words transmitted by host port"},
    {"node_fibrechannel_link_failure_total", "Number of times the host port link has failed"},
    {"node_fibrechannel_loss_of_sync_total", "Number of failures on either bit or transmission word boundaries"},
    {"node_fibrechannel_loss_of_signal_total", "Number of times signal has been lost"},
    {"node_fibrechannel_nos_total", "Number Not_Operational Primitive Sequence received by host port"},
    {"node_fibrechannel_fcp_packet_aborts_total", "Number of aborted packets"},
};
static_assert(std::size(kFcMetrics) == kFcCounterFiles.size());

}  // namespace

void AddFcHostMetrics(const std::string& name, const FcHost& host, MetricSet& out) {
  Labels info{{"fc_host", name}};
  for (size_t i = 0; i < kFcHostAttrs.size(); ++i) info.push_back({std::string(kFcHostAttrs[i]), host.attrs[i]});
  out.Gauge("node_fibrechannel_info", "Non-numeric data from /sys/class/fc_host/<host>, value is always 1.",
            std::move(info), 1);
  for (size_t i = 0; i < kFcCounterFiles.size(); ++i) {
    const auto& v = host.counters[i];
    if (!v || *v == UINT64_MAX) continue;
    out.Counter(kFcMetrics[i].name, kFcMetrics[i].help, {{"fc_host", name}}, static_cast<double>(*v));
  }
}

namespace {

class FibrechannelCollector : public Collector {
 public:
  explicit FibrechannelCollector(const Paths& paths)
      : class_dir_(paths.Sys("class/fc_host"), IsSysfsMount(paths.sysfs)) {}

  void Collect(MetricSet& out) override {
    // The one check on a node without Fibre Channel: the class directory.
    if (int err = class_dir_.List(entries_); err != 0) {
      if (err == ENOENT) return out.SetNoData("fibrechannel statistics not found, skipping");
      throw std::runtime_error(fmt::format("error obtaining FibreChannel class info: open {}: {}",
                                           class_dir_.path(), std::strerror(err)));
    }
    // procfs reads every host before node_exporter exports any.
    hosts_.resize(entries_.size());
    for (size_t i = 0; i < entries_.size(); ++i) ReadHost(entries_[i], hosts_[i]);
    for (size_t i = 0; i < entries_.size(); ++i) AddFcHostMetrics(entries_[i].name, hosts_[i], out);
  }

 private:
  void ReadHost(const DirEntry& entry, FcHost& host) {
    host = FcHost{};
    std::string dir = EntryDir(class_dir_.path() + "/" + entry.name, entry.type);
    for (std::string_view attr : kFcHostAttrs) {
      std::string path = fmt::format("{}/{}", dir, attr);
      if (int err = SysReadFile(path, value_); err != 0) {
        if (err == ENOENT) continue;
        throw std::runtime_error(fmt::format("error obtaining FibreChannel class info: failed to read file \"{}\": {}",
                                             path, std::strerror(err)));
      }
      SetFcHostAttr(host, attr, value_);
    }
    std::string stats = dir + "/statistics";
    DirLister lister(stats, false);
    if (int err = lister.List(files_); err != 0) {
      if (err == ENOENT) return;  // no statistics: no counters
      throw std::runtime_error(
          fmt::format("error obtaining FibreChannel class info: open {}: {}", stats, std::strerror(err)));
    }
    skipped_.clear();
    for (const DirEntry& f : files_) {
      if (f.type != DT_REG || f.name == "reset_statistics") continue;
      std::string path = stats + "/" + f.name;
      if (int err = SysReadFile(path, value_); err != 0) {
        // Counters a driver does not implement answer EOPNOTSUPP or EINVAL.
        if (err == ENOENT || err == EOPNOTSUPP || err == EINVAL) continue;
        throw std::runtime_error(fmt::format("error obtaining FibreChannel class info: failed to read file \"{}\": {}",
                                             path, std::strerror(err)));
      }
      if (!SetFcCounter(host, f.name, value_)) skipped_.push_back(f.name + ": " + value_);
    }
    ReportSkipped("fibrechannel", stats, skipped_);
  }

  DirLister class_dir_;
  std::vector<DirEntry> entries_, files_;
  std::vector<FcHost> hosts_;
  std::vector<std::string> skipped_;
  std::string value_;
};

std::unique_ptr<Collector> CreateFibrechannel(const Paths& paths) { return NewFibrechannelCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("fibrechannel", kEnabledByDefault, nullptr, &CreateFibrechannel);

}  // namespace

std::unique_ptr<Collector> NewFibrechannelCollector(const Paths& paths) {
  return std::make_unique<FibrechannelCollector>(paths);
}

}  // namespace node_agent
