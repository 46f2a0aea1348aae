#include "collectors/ksmd.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "lib/log.h"

namespace node_agent {

std::optional<uint64_t> ParseKsmdValue(std::string_view content) {
  std::string_view s = content;
  // Go's strings.TrimSpace: also vertical tab and form feed.
  while (!s.empty() && std::strchr(" \t\n\v\f\r", s.front()) != nullptr && s.front() != '\0') s.remove_prefix(1);
  while (!s.empty() && std::strchr(" \t\n\v\f\r", s.back()) != nullptr && s.back() != '\0') s.remove_suffix(1);
  if (s.empty() || s.front() == '+') return std::nullopt;
  return ParseUint(s);
}

namespace {

struct KsmdFile {
  const char* file;
  const char* metric;
  const char* help;
  bool counter;
  double scale;
};

// Help text from the kernel's admin guide, as node_exporter has it.
constexpr KsmdFile kKsmdFiles[] = {
    {"full_scans", "node_ksmd_full_scans_total", "How many times all mergeable areas have been scanned.", true, 1},
    {"general_profit", "node_ksmd_general_profit_bytes",
     "How effective is KSM. ksm_saved_pages * sizeof(page) - (all_rmap_items) * sizeof(rmap_item)", false, 1},
    {"merge_across_nodes", "node_ksmd_merge_across_nodes",
     "Specifies if pages from different NUMA nodes can be merged.", false, 1},
    {"pages_shared", "node_ksmd_pages_shared", "How many shared pages are being used.", false, 1},
    {"pages_sharing", "node_ksmd_pages_sharing", "How many more sites are sharing them i.e. how much saved.", false,
     1},
    {"pages_to_scan", "node_ksmd_pages_to_scan", "How many pages to scan before ksmd goes to sleep.", false, 1},
    {"pages_unshared", "node_ksmd_pages_unshared", "How many pages unique but repeatedly checked for merging.", false,
     1},
    {"pages_volatile", "node_ksmd_pages_volatile", "How many pages changing too fast to be placed in a tree.", false,
     1},
    {"run", "node_ksmd_run", "The status of ksmd. stopped = 0, running = 1", false, 1},
    {"sleep_millisecs", "node_ksmd_sleep_seconds", "How many seconds ksmd should sleep before next scan.", false,
     1000},
};

class KsmdCollector : public Collector {
 public:
  explicit KsmdCollector(const Paths& paths) : dir_(paths.Sys("kernel/mm/ksm")) {}

  void Collect(MetricSet& out) override {
    // A kernel without KSM: one failed stat, and (as node_exporter, which
    // skips each missing file) no series.
    if (!IsDir(dir_)) return;
    for (const auto& f : kKsmdFiles) {
      std::string path = dir_ + "/" + f.file;
      int err = 0;
      if (!ReadFile(path, buf_, &err)) {
        // Older kernels lack some files (general_profit came with 6.4).
        if (err == ENOENT) continue;
        ThrowPathError("open ", path, err);
      }
      auto v = ParseKsmdValue(buf_);
      if (!v) throw std::runtime_error(fmt::format("{}: not an unsigned integer: {}", path, Trim(buf_)));
      out.Add(f.counter ? MetricType::Counter : MetricType::Gauge, f.metric, f.help, {},
              static_cast<double>(*v) / f.scale);
    }
  }

 private:
  std::string dir_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateKsmd(const Paths& paths) { return NewKsmdCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("ksmd", kDisabledByDefault, nullptr, &CreateKsmd);

}  // namespace

std::unique_ptr<Collector> NewKsmdCollector(const Paths& paths) { return std::make_unique<KsmdCollector>(paths); }

}  // namespace node_agent
