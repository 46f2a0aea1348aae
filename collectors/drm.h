// drm collector: AMD GPU statistics from /sys/class/drm/card[0-9]/device, as
// node_exporter's collector/drm_linux.go with prometheus/procfs
// sysfs/class_drm_amdgpu.go (only amdgpu cards are reported).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

// Whether a class/drm entry is one procfs' glob card[0-9] matches.
bool IsDrmCardEntry(std::string_view name);

// Whether a device's uevent (as SysReadFile returns it) names the amdgpu
// driver (procfs: the regexp "DRIVER=amdgpu" anywhere in it).
bool IsAmdgpuUevent(std::string_view uevent);

// What procfs reads of one amdgpu card; a numeric field is unset when its file
// is absent or unreadable.
struct AmdgpuCard {
  std::string name;  // "card0"
  std::optional<uint64_t> gpu_busy_percent, gtt_total, gtt_used, vis_vram_total, vis_vram_used, vram_total,
      vram_used;
  std::string vram_vendor, power_performance_level, unique_id;
};

// The device attribute files procfs reads for a card.
inline constexpr std::string_view kAmdgpuFiles[] = {
    "gpu_busy_percent",       "mem_info_gtt_total",  "mem_info_gtt_used",    "mem_info_vis_vram_total",
    "mem_info_vis_vram_used", "mem_info_vram_total", "mem_info_vram_used",   "mem_info_vram_vendor",
    "power_dpm_force_performance_level", "unique_id"};

// Stores one attribute (`value` as SysReadFile returns it). False for a
// numeric attribute that is not a Go base-0 uint64 (node_exporter would
// crash on it; here it reads 0, as an absent one) or an unknown file.
bool SetAmdgpuAttribute(AmdgpuCard& card, std::string_view file, std::string_view value);

// Adds the card's samples as node_exporter does (an unset value reads 0).
void AddAmdgpuMetrics(const AmdgpuCard& card, MetricSet& out);

std::unique_ptr<Collector> NewDrmCollector(const Paths& paths);

}  // namespace node_agent
