#include "collectors/entropy.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "lib/log.h"

namespace node_agent {

std::optional<uint64_t> ParseKernelRandomValue(std::string_view content) { return ParseUint(Trim(content)); }

namespace {

class EntropyCollector : public Collector {
 public:
  explicit EntropyCollector(const Paths& paths)
      : avail_(paths.Proc("sys/kernel/random/entropy_avail"), ShortRead::kIsEnd),
        poolsize_path_(paths.Proc("sys/kernel/random/poolsize")) {
    // The pool size is fixed by the kernel build (4096 bits, 256 since 5.18):
    // read it once.
    std::string content;
    if (ReadFile(poolsize_path_, content)) {
      pool_size_ = ParseKernelRandomValue(content);
      if (!pool_size_) {
        log::WarnOnce("entropy:" + poolsize_path_, "unexpected content in poolsize",
                      {{"file", poolsize_path_}, {"content", std::string(Trim(content))}});
      }
    }
  }

  void Collect(MetricSet& out) override {
    int err = avail_.Read(buf_);
    if (err != 0 && err != ENOENT) {
      ThrowPathError("failed to get kernel random stats: ", avail_.path(), err);
    }
    std::optional<uint64_t> avail;
    if (err == 0) {
      avail = ParseKernelRandomValue(buf_);
      if (!avail) {
        log::WarnOnce("entropy:" + avail_.path(), "unexpected content in entropy_avail",
                      {{"file", avail_.path()}, {"content", std::string(Trim(buf_))}});
      }
    }
    if (!avail) throw std::runtime_error("couldn't get entropy_avail");
    out.Gauge("node_entropy_available_bits", "Bits of available entropy.", {}, static_cast<double>(*avail));
    if (!pool_size_) throw std::runtime_error("couldn't get entropy poolsize");
    out.Gauge("node_entropy_pool_size_bits", "Bits of entropy pool.", {}, static_cast<double>(*pool_size_));
  }

 private:
  CachedFile avail_;
  std::string poolsize_path_;
  std::optional<uint64_t> pool_size_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateEntropy(const Paths& paths) { return NewEntropyCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("entropy", kEnabledByDefault, nullptr, &CreateEntropy);

}  // namespace

std::unique_ptr<Collector> NewEntropyCollector(const Paths& paths) {
  return std::make_unique<EntropyCollector>(paths);
}

}  // namespace node_agent
