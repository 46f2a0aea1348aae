#include "collectors/swap.h"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

namespace node_agent {

std::vector<SwapEntry> ParseSwaps(std::string_view content, std::vector<std::string>& skipped) {
  std::vector<SwapEntry> swaps;
  auto lines = Lines(content);
  std::vector<std::string_view> f;
  // The first line is the header.
  for (size_t i = 1; i < lines.size(); ++i) {
    Fields(lines[i], f);
    std::optional<int64_t> size, used, priority;
    if (f.size() >= 5) size = ParseInt(f[2]), used = ParseInt(f[3]), priority = ParseInt(f[4]);
    if (!size || !used || !priority) {
      skipped.emplace_back(Trim(lines[i]));
      continue;
    }
    swaps.push_back({std::string(f[0]), std::string(f[1]), *size, *used, *priority});
  }
  return swaps;
}

namespace {

class SwapCollector : public Collector {
 public:
  explicit SwapCollector(const Paths& paths) : file_(paths.Proc("swaps")) {}

  void Collect(MetricSet& out) override {
    if (int err = file_.Read(buf_); err != 0) {
      ThrowPathError("couldn't get swap information: couldn't get proc/swap information: ", file_.path(), err);
    }
    std::vector<std::string> skipped;
    auto swaps = ParseSwaps(buf_, skipped);
    ReportSkipped("swap", file_.path(), skipped);
    for (const auto& s : swaps) {
      Labels labels{{"device", s.filename}, {"swap_type", s.type}};
      // The kernel prints sizes in KiB.
      out.Gauge("node_swap_size_bytes", "Swap device size in bytes.", labels, static_cast<double>(s.size_kib) * 1024);
      out.Gauge("node_swap_used_bytes", "Swap device used in bytes.", labels, static_cast<double>(s.used_kib) * 1024);
      out.Gauge("node_swap_priority", "Swap device priority.", labels, static_cast<double>(s.priority));
    }
  }

 private:
  CachedFile file_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateSwap(const Paths& paths) { return NewSwapCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("swap", kDisabledByDefault, nullptr, &CreateSwap);

}  // namespace

std::unique_ptr<Collector> NewSwapCollector(const Paths& paths) { return std::make_unique<SwapCollector>(paths); }

}  // namespace node_agent
