#include "collectors/drm.h"

#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "lib/go_compat.h"
#include "lib/log.h"
#include "lib/sysfs_link.h"

namespace node_agent {

bool IsDrmCardEntry(std::string_view name) {
  return name.size() == 5 && name.substr(0, 4) == "card" && name[4] >= '0' && name[4] <= '9';
}

bool IsAmdgpuUevent(std::string_view uevent) { return uevent.find("DRIVER=amdgpu") != std::string_view::npos; }

namespace {

struct NumericAttr {
  std::string_view file;
  std::optional<uint64_t> AmdgpuCard::*field;
  std::string_view metric;
  std::string_view help;
};
constexpr NumericAttr kNumeric[] = {
    {"gpu_busy_percent", &AmdgpuCard::gpu_busy_percent, "node_drm_gpu_busy_percent",
     "How busy the GPU is as a percentage."},
    {"mem_info_gtt_total", &AmdgpuCard::gtt_total, "node_drm_memory_gtt_size_bytes",
     "The size of the graphics translation table (GTT) block in bytes."},
    {"mem_info_gtt_used", &AmdgpuCard::gtt_used, "node_drm_memory_gtt_used_bytes",
     "The used amount of the graphics translation table (GTT) block in bytes."},
    {"mem_info_vram_total", &AmdgpuCard::vram_total, "node_drm_memory_vram_size_bytes", "The size of VRAM in bytes."},
    {"mem_info_vram_used", &AmdgpuCard::vram_used, "node_drm_memory_vram_used_bytes",
     "The used amount of VRAM in bytes."},
    {"mem_info_vis_vram_total", &AmdgpuCard::vis_vram_total, "node_drm_memory_vis_vram_size_bytes",
     "The size of visible VRAM in bytes."},
    {"mem_info_vis_vram_used", &AmdgpuCard::vis_vram_used, "node_drm_memory_vis_vram_used_bytes",
     "The used amount of visible VRAM in bytes."},
};

struct StringAttr {
  std::string_view file;
  std::string AmdgpuCard::*field;
};
constexpr StringAttr kStrings[] = {
    {"mem_info_vram_vendor", &AmdgpuCard::vram_vendor},
    {"power_dpm_force_performance_level", &AmdgpuCard::power_performance_level},
    {"unique_id", &AmdgpuCard::unique_id},
};

}  // namespace

bool SetAmdgpuAttribute(AmdgpuCard& card, std::string_view file, std::string_view value) {
  for (const NumericAttr& a : kNumeric) {
    if (a.file != file) continue;
    card.*a.field = ParseGoUint(value, 0, 64);
    return (card.*a.field).has_value();
  }
  for (const StringAttr& a : kStrings) {
    if (a.file != file) continue;
    card.*a.field = std::string(value);
    return true;
  }
  return false;
}

void AddAmdgpuMetrics(const AmdgpuCard& card, MetricSet& out) {
  out.Gauge("node_drm_card_info", "Card information",
            {{"card", card.name},
             {"memory_vendor", card.vram_vendor},
             {"power_performance_level", card.power_performance_level},
             {"unique_id", card.unique_id},
             {"vendor", "amd"}},
            1);
  for (const NumericAttr& a : kNumeric) {
    const auto& v = card.*a.field;
    out.Gauge(a.metric, a.help, {{"card", card.name}}, v ? static_cast<double>(*v) : 0);
  }
}

namespace {

class DrmCollector : public Collector {
 public:
  explicit DrmCollector(const Paths& paths) : dir_(paths.Sys("class/drm")) {}

  void Collect(MetricSet& out) override {
    // procfs' glob: no class/drm (no GPU, or no drm driver) is no cards.
    for (const std::string& entry : ListDir(dir_)) {
      if (!IsDrmCardEntry(entry)) continue;
      // Through the links (resolved, which also follows a fixture tree's
      // flattened ones): class/drm/cardN -> its drm device -> device.
      std::string card = ResolveDirLink(dir_ + "/" + entry).value_or(dir_ + "/" + entry);
      auto device = ResolveDirLink(card + "/device");
      std::string uevent;
      if (int err = SysReadFile(device.value_or(card + "/device") + "/uevent", uevent); err != 0) {
        if (err == ENODATA) continue;
        throw std::runtime_error(fmt::format("{}/device/uevent: {}", card, std::strerror(err)));
      }
      if (!IsAmdgpuUevent(uevent)) continue;
      // procfs resolves the device link (for fields node_exporter does not
      // export) and fails the listing when it cannot.
      if (!device) throw std::runtime_error(fmt::format("{}/device: cannot resolve", card));
      AddAmdgpuMetrics(ReadCard(entry, *device), out);
    }
  }

 private:
  // `dir`: the card's resolved device directory.
  static AmdgpuCard ReadCard(const std::string& name, const std::string& dir) {
    AmdgpuCard card;
    card.name = name;
    std::vector<std::string> skipped;
    std::string value;
    for (std::string_view file : kAmdgpuFiles) {
      std::string path = fmt::format("{}/{}", dir, file);
      if (SysReadFile(path, value) != 0) continue;
      if (!SetAmdgpuAttribute(card, file, value)) skipped.push_back(fmt::format("{}={}", file, value));
    }
    ReportSkipped("drm", dir, skipped);
    return card;
  }

  std::string dir_;
};

std::unique_ptr<Collector> CreateDrm(const Paths& paths) { return NewDrmCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("drm", kDisabledByDefault, nullptr, &CreateDrm);

}  // namespace

std::unique_ptr<Collector> NewDrmCollector(const Paths& paths) { return std::make_unique<DrmCollector>(paths); }

}  // namespace node_agent
