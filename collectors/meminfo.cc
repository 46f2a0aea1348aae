#include "collectors/meminfo.h"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "lib/log.h"

namespace node_agent {
namespace {

struct MeminfoField {
  std::string_view key;     // as in /proc/meminfo, without the colon
  std::string_view metric;  // node_memory_<metric>
  bool pages;               // a count (HugePages_*), not scaled by the kB unit
};

// The fields node_exporter 1.12's meminfo_linux.go maps, with its names.
constexpr MeminfoField kFields[] = {
    {"Active", "Active_bytes", false},
    {"Active(anon)", "Active_anon_bytes", false},
    {"Active(file)", "Active_file_bytes", false},
    {"AnonHugePages", "AnonHugePages_bytes", false},
    {"AnonPages", "AnonPages_bytes", false},
    {"Bounce", "Bounce_bytes", false},
    {"Buffers", "Buffers_bytes", false},
    {"Cached", "Cached_bytes", false},
    {"CmaFree", "CmaFree_bytes", false},
    {"CmaTotal", "CmaTotal_bytes", false},
    {"CommitLimit", "CommitLimit_bytes", false},
    {"Committed_AS", "Committed_AS_bytes", false},
    {"DirectMap1G", "DirectMap1G_bytes", false},
    {"DirectMap2M", "DirectMap2M_bytes", false},
    {"DirectMap4k", "DirectMap4k_bytes", false},
    {"Dirty", "Dirty_bytes", false},
    {"HardwareCorrupted", "HardwareCorrupted_bytes", false},
    {"Hugepagesize", "Hugepagesize_bytes", false},
    {"Inactive", "Inactive_bytes", false},
    {"Inactive(anon)", "Inactive_anon_bytes", false},
    {"Inactive(file)", "Inactive_file_bytes", false},
    {"KernelStack", "KernelStack_bytes", false},
    {"Mapped", "Mapped_bytes", false},
    {"MemAvailable", "MemAvailable_bytes", false},
    {"MemFree", "MemFree_bytes", false},
    {"MemTotal", "MemTotal_bytes", false},
    {"Mlocked", "Mlocked_bytes", false},
    {"NFS_Unstable", "NFS_Unstable_bytes", false},
    {"PageTables", "PageTables_bytes", false},
    {"Percpu", "Percpu_bytes", false},
    {"SReclaimable", "SReclaimable_bytes", false},
    {"SUnreclaim", "SUnreclaim_bytes", false},
    {"Shmem", "Shmem_bytes", false},
    {"ShmemHugePages", "ShmemHugePages_bytes", false},
    {"ShmemPmdMapped", "ShmemPmdMapped_bytes", false},
    {"Slab", "Slab_bytes", false},
    {"SwapCached", "SwapCached_bytes", false},
    {"SwapFree", "SwapFree_bytes", false},
    {"SwapTotal", "SwapTotal_bytes", false},
    {"Unevictable", "Unevictable_bytes", false},
    {"VmallocChunk", "VmallocChunk_bytes", false},
    {"VmallocTotal", "VmallocTotal_bytes", false},
    {"VmallocUsed", "VmallocUsed_bytes", false},
    {"Writeback", "Writeback_bytes", false},
    {"WritebackTmp", "WritebackTmp_bytes", false},
    {"Zswap", "Zswap_bytes", false},
    {"Zswapped", "Zswapped_bytes", false},
    {"HugePages_Free", "HugePages_Free", true},
    {"HugePages_Rsvd", "HugePages_Rsvd", true},
    {"HugePages_Surp", "HugePages_Surp", true},
    {"HugePages_Total", "HugePages_Total", true},
};

const std::unordered_map<std::string_view, const MeminfoField*>& FieldIndex() {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, const MeminfoField*>();
    for (const auto& f : kFields) m->emplace(f.key, &f);
    return m;
  }();
  return *index;
}

class MeminfoCollector : public Collector {
 public:
  explicit MeminfoCollector(const Paths& paths) : file_(paths.Proc("meminfo"), ShortRead::kIsEnd) {
    // HELP texts are built once: one per field, reused every scrape.
    for (const auto& f : kFields) {
      names_.emplace(f.metric, fmt::format("node_memory_{}", f.metric));
      helps_.emplace(f.metric, fmt::format("Memory information field {}.", f.metric));
    }
  }

  void Collect(MetricSet& out) override {
    ReadOrThrow(file_, buf_, "couldn't get meminfo: ");
    Meminfo info = ParseMeminfo(buf_);
    for (const auto& line : info.malformed) {
      // Keyed by the field name, not the line, so a changing value logs once.
      log::WarnOnce("meminfo:" + file_.path() + ":" + line.substr(0, line.find_first_of(": \t")),
                    "skipping malformed meminfo line", {{"file", file_.path()}, {"line", line}});
    }
    // node_exporter types a field as counter only when its name ends in
    // "_total"; none of the Linux fields do.
    for (const auto& v : info.values) {
      out.Gauge(names_.at(v.metric), helps_.at(v.metric), {}, v.value);
    }
  }

 private:
  CachedFile file_;
  std::string buf_;
  std::unordered_map<std::string_view, std::string> names_;
  std::unordered_map<std::string_view, std::string> helps_;
};

std::unique_ptr<Collector> CreateMeminfo(const Paths& paths) { return NewMeminfoCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("meminfo", kEnabledByDefault, nullptr, &CreateMeminfo);

}  // namespace

Meminfo ParseMeminfo(std::string_view content) {
  Meminfo info;
  const auto& index = FieldIndex();
  std::vector<std::string_view> fields;
  for (auto line : Lines(content)) {
    Fields(line, fields);
    if (fields.empty()) continue;
    bool ok = (fields.size() == 2 || fields.size() == 3) && fields[0].size() > 1 && fields[0].back() == ':';
    std::optional<uint64_t> raw;
    if (ok) raw = ParseUint(fields[1]);
    // The kernel's only unit is kB; anything else means we would scale wrongly.
    if (!raw || (fields.size() == 3 && fields[2] != "kB")) {
      info.malformed.emplace_back(Trim(line));
      continue;
    }
    auto key = fields[0].substr(0, fields[0].size() - 1);
    auto it = index.find(key);
    if (it == index.end()) continue;
    const MeminfoField& f = *it->second;
    double value = static_cast<double>(*raw);
    if (!f.pages && fields.size() == 3) value *= 1024;
    info.values.push_back({f.metric, value});
  }
  return info;
}

std::unique_ptr<Collector> NewMeminfoCollector(const Paths& paths) {
  return std::make_unique<MeminfoCollector>(paths);
}

}  // namespace node_agent
