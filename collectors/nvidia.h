// nvidia collector: NVIDIA GPU metrics from NVML, with dcgm-exporter's default
// counter names, types and labels (DCGM_FI_DEV_*), so NVIDIA's dashboards work.
//
// node-agent is static and must not dlopen NVML itself (static glibc's dlopen breaks
// on any other glibc), so NVML runs in node-agent-nvml (collectors/nvidia_helper/),
// a small dynamically linked program embedded in node-agent, exec'd from a memfd at
// start and asked for one text snapshot per scrape over a socket.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

using NvidiaValues = std::map<std::string, double, std::less<>>;

struct NvidiaMig {
  unsigned gpu_instance_id = 0;
  std::string profile;  // "1g.10gb"
  NvidiaValues values;  // fb_* of the instance
};

struct NvidiaGpu {
  unsigned index = 0;
  std::string uuid, name, pci_bus_id;
  std::optional<int> error;  // an NVML error for the whole GPU (15: lost)
  NvidiaValues values;       // helper keys (temp, power_mw, ...) -> raw NVML values
  std::vector<NvidiaMig> migs;
};

struct NvidiaSnapshot {
  // "ok", or why NVML is not usable: "no_library <dlerror>", "init_error <code>".
  std::string status;
  std::string driver;
  std::vector<NvidiaGpu> gpus;
};

// Parses node-agent-nvml's answer: "KEY VALUE" lines up to "end". nullopt when the
// "end" line is missing (a truncated answer). Malformed lines are skipped and
// logged once.
std::optional<NvidiaSnapshot> ParseNvidiaSnapshot(std::string_view text);

// Adds the DCGM_FI_* samples of every GPU without an error; returns the number of
// GPUs with one (each logged once).
size_t AddNvidiaMetrics(const NvidiaSnapshot& snapshot, const std::string& hostname, MetricSet& out);

struct NvidiaOptions {
  std::string library = "libnvidia-ml.so.1";
  // Given on the command line: the helper is started even without /dev/nvidiactl.
  bool library_set = false;
  std::string hostname;  // "" = gethostname()
  std::chrono::milliseconds start_timeout{10000};  // nvmlInit can take seconds
  std::chrono::milliseconds timeout{2000};         // per scrape
  std::chrono::milliseconds respawn_interval{30000};
};

std::unique_ptr<Collector> NewNvidiaCollector(const NvidiaOptions& options);

}  // namespace node_agent
