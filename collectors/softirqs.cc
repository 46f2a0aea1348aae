#include "collectors/softirqs.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "lib/cpu_label_order.h"

namespace node_agent {

std::optional<Softirqs> ParseSoftirqs(std::string_view content, std::vector<std::string>& skipped) {
  auto lines = Lines(content);
  if (lines.empty()) return std::nullopt;
  Softirqs s;
  std::vector<std::string_view> fields;
  for (size_t l = 1; l < lines.size(); ++l) {
    Fields(lines[l], fields);
    if (fields.size() < 2) continue;  // a row needs at least one CPU
    auto type = std::find_if(kSoftirqTypes.begin(), kSoftirqTypes.end(), [&](std::string_view t) {
      return fields[0].size() == t.size() + 1 && fields[0].back() == ':' && fields[0].substr(0, t.size()) == t;
    });
    if (type == kSoftirqTypes.end()) continue;
    std::vector<uint64_t>& row = s.counts[static_cast<size_t>(type - kSoftirqTypes.begin())];
    row.clear();
    for (size_t i = 1; i < fields.size(); ++i) {
      auto v = ParseUint(fields[i]);
      if (!v) {
        row.clear();
        skipped.emplace_back(Trim(lines[l]));
        break;
      }
      row.push_back(*v);
    }
  }
  return s;
}

namespace {

class SoftirqsCollector : public Collector {
 public:
  explicit SoftirqsCollector(const Paths& paths) : file_(paths.Proc("softirqs")) {
    // Go's registry sorts a family's samples by label value: cpu (as a
    // string), then type.
    for (size_t i = 0; i < kSoftirqTypes.size(); ++i) type_order_[i] = i;
    std::sort(type_order_.begin(), type_order_.end(),
              [](size_t a, size_t b) { return kSoftirqTypes[a] < kSoftirqTypes[b]; });
  }

  void Collect(MetricSet& out) override {
    ReadOrThrow(file_, buf_, "couldn't get softirqs: ");
    std::vector<std::string> skipped;
    auto parsed = ParseSoftirqs(buf_, skipped);
    ReportSkipped("softirqs", file_.path(), skipped);
    if (!parsed) throw std::runtime_error("couldn't get softirqs: softirqs empty: " + file_.path());
    size_t cpus = 0;
    for (const auto& row : parsed->counts) cpus = std::max(cpus, row.size());
    cpus_.Resize(cpus);
    for (size_t cpu : cpus_.order()) {
      for (size_t t : type_order_) {
        const auto& row = parsed->counts[t];
        if (cpu >= row.size()) continue;
        out.Counter("node_softirqs_functions_total", "Softirq counts per CPU.",
                    {{"cpu", cpus_.name(cpu)}, {"type", kSoftirqTypes[t]}},
                    static_cast<double>(row[cpu]));
      }
    }
  }

 private:
  CachedFile file_;
  std::string buf_;
  std::array<size_t, kSoftirqTypes.size()> type_order_{};
  CpuLabelOrder cpus_;
};

std::unique_ptr<Collector> CreateSoftirqs(const Paths& paths) { return NewSoftirqsCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("softirqs", kDisabledByDefault, nullptr, &CreateSoftirqs);

}  // namespace

std::unique_ptr<Collector> NewSoftirqsCollector(const Paths& paths) {
  return std::make_unique<SoftirqsCollector>(paths);
}

}  // namespace node_agent
