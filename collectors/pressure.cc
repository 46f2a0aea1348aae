#include "collectors/pressure.h"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "lib/log.h"

namespace node_agent {

PsiStats ParsePsiStats(std::string_view content) {
  PsiStats s;
  std::vector<std::string_view> fields;
  for (auto line : Lines(content)) {
    Fields(line, fields);
    if (fields.empty() || (fields[0] != "some" && fields[0] != "full")) continue;
    // prometheus/procfs scans exactly "avg10=%f avg60=%f avg300=%f total=%d".
    static constexpr std::array<std::string_view, 4> kKeys = {"avg10=", "avg60=", "avg300=", "total="};
    bool ok = fields.size() == 5;
    std::optional<uint64_t> total;
    for (size_t i = 0; ok && i < kKeys.size(); ++i) {
      std::string_view f = fields[i + 1];
      ok = f.substr(0, kKeys[i].size()) == kKeys[i];
      if (!ok) break;
      f.remove_prefix(kKeys[i].size());
      if (i < 3) {
        ok = ParseDouble(f).has_value();
      } else {
        total = ParseUint(f);
        ok = total.has_value();
      }
    }
    if (!ok) {
      s.malformed.emplace_back(Trim(line));
      continue;
    }
    (fields[0] == "some" ? s.some_total_us : s.full_total_us) = total;
  }
  return s;
}

namespace {

enum class Resource { kCpu, kIo, kMemory, kIrq };

struct ResourceFile {
  Resource resource;
  const char* name;
  CachedFile file;
};

class PressureCollector : public Collector {
 public:
  explicit PressureCollector(const Paths& paths) {
    for (auto [r, name] : {std::pair{Resource::kCpu, "cpu"}, {Resource::kIo, "io"},
                           {Resource::kMemory, "memory"}, {Resource::kIrq, "irq"}}) {
      files_.push_back({r, name, CachedFile(paths.Proc(std::string("pressure/") + name), ShortRead::kIsEnd)});
    }
  }

  void Collect(MetricSet& out) override {
    int found = 0;
    for (auto& rf : files_) {
      int err = rf.file.Read(buf_);
      if (err == ENOENT) {
        // Kernels before 4.20 (and irq before 6.1) or without CONFIG_PSI.
        log::Debug("pressure information is unavailable", {{"resource", rf.name}});
        continue;
      }
      if (err == EOPNOTSUPP) {
        return out.SetNoData("pressure information is disabled, add psi=1 kernel command line to enable it");
      }
      if (err != 0) {
        ThrowPathError("failed to retrieve pressure stats: ", rf.file.path(), err);
      }
      PsiStats s = ParsePsiStats(buf_);
      for (const auto& line : s.malformed) {
        log::WarnOnce("pressure:" + rf.file.path() + ":" + line.substr(0, 4), "skipping malformed pressure line",
                      {{"file", rf.file.path()}, {"line", line}});
      }
      // cpu has no meaningful "full" before 5.13 and irq has only "full"; the
      // resource is skipped when a line node_exporter reads is missing.
      const bool need_some = rf.resource != Resource::kIrq;
      const bool need_full = rf.resource != Resource::kCpu;
      if ((need_some && !s.some_total_us) || (need_full && !s.full_total_us)) {
        log::Debug("pressure information returned no 'some' or 'full' data", {{"resource", rf.name}});
        continue;
      }
      auto seconds = [](uint64_t us) { return static_cast<double>(us) / 1000.0 / 1000.0; };
      switch (rf.resource) {
        case Resource::kCpu:
          out.Counter("node_pressure_cpu_waiting_seconds_total",
                      "Total time in seconds that processes have waited for CPU time", {},
                      seconds(*s.some_total_us));
          break;
        case Resource::kIo:
          out.Counter("node_pressure_io_waiting_seconds_total",
                      "Total time in seconds that processes have waited due to IO congestion", {},
                      seconds(*s.some_total_us));
          out.Counter("node_pressure_io_stalled_seconds_total",
                      "Total time in seconds no process could make progress due to IO congestion", {},
                      seconds(*s.full_total_us));
          break;
        case Resource::kMemory:
          out.Counter("node_pressure_memory_waiting_seconds_total",
                      "Total time in seconds that processes have waited for memory", {},
                      seconds(*s.some_total_us));
          out.Counter("node_pressure_memory_stalled_seconds_total",
                      "Total time in seconds no process could make progress due to memory congestion", {},
                      seconds(*s.full_total_us));
          break;
        case Resource::kIrq:
          out.Counter("node_pressure_irq_stalled_seconds_total",
                      "Total time in seconds no process could make progress due to IRQ congestion", {},
                      seconds(*s.full_total_us));
          break;
      }
      ++found;
    }
    if (found == 0) {
      return out.SetNoData(
          "pressure information is unavailable, you need a Linux kernel >= 4.20 and/or CONFIG_PSI enabled");
    }
  }

 private:
  std::vector<ResourceFile> files_;
  std::string buf_;
};

std::unique_ptr<Collector> CreatePressure(const Paths& paths) { return NewPressureCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("pressure", kEnabledByDefault, nullptr, &CreatePressure);

}  // namespace

std::unique_ptr<Collector> NewPressureCollector(const Paths& paths) {
  return std::make_unique<PressureCollector>(paths);
}

}  // namespace node_agent
