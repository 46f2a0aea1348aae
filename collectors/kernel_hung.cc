#include "collectors/kernel_hung.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace node_agent {

std::optional<uint64_t> ParseKernelHung(std::string_view content) { return ParseUint(Trim(content)); }

namespace {

class KernelHungCollector : public Collector {
 public:
  explicit KernelHungCollector(const Paths& paths)
      : file_(paths.Proc("sys/kernel/hung_task_detect_count"), ShortRead::kIsEnd) {}

  void Collect(MetricSet& out) override {
    if (int err = file_.Read(buf_); err != 0) {
      // A kernel without hung task detection: node_exporter's ErrNoData.
      if (err == ENOENT) return out.SetNoData("hung_task_detect_count does not exist");
      throw std::runtime_error(fmt::format("{}: {}", file_.path(), std::strerror(err)));
    }
    auto count = ParseKernelHung(buf_);
    if (!count) {
      throw std::runtime_error(fmt::format("{}: not a number: \"{}\"", file_.path(), std::string(Trim(buf_))));
    }
    out.Counter("node_kernel_hung_tasks_total",
                "Total number of tasks that have been detected as hung since the system booted.", {},
                static_cast<double>(*count));
  }

 private:
  CachedFile file_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateKernelHung(const Paths& paths) { return NewKernelHungCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("kernel_hung", kEnabledByDefault, nullptr, &CreateKernelHung);

}  // namespace

std::unique_ptr<Collector> NewKernelHungCollector(const Paths& paths) {
  return std::make_unique<KernelHungCollector>(paths);
}

}  // namespace node_agent
