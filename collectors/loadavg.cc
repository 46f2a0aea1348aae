#include "collectors/loadavg.h"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

#include "lib/log.h"

namespace node_agent {

std::optional<std::array<double, 3>> ParseLoadavg(std::string_view content) {
  auto fields = Fields(content);
  if (fields.size() < 3) return std::nullopt;
  std::array<double, 3> loads{};
  for (size_t i = 0; i < 3; ++i) {
    auto v = ParseDouble(fields[i]);
    if (!v) return std::nullopt;
    loads[i] = *v;
  }
  return loads;
}

namespace {

class LoadavgCollector : public Collector {
 public:
  explicit LoadavgCollector(const Paths& paths) : file_(paths.Proc("loadavg"), ShortRead::kIsEnd) {}

  void Collect(MetricSet& out) override {
    ReadOrThrow(file_, buf_, "couldn't get load: ");
    auto loads = ParseLoadavg(buf_);
    if (!loads) {
      log::WarnOnce("loadavg:" + file_.path(), "unexpected content in loadavg",
                    {{"file", file_.path()}, {"content", std::string(Trim(buf_))}});
      throw std::runtime_error("couldn't get load: unexpected content in " + file_.path());
    }
    out.Gauge("node_load1", "1m load average.", {}, (*loads)[0]);
    out.Gauge("node_load5", "5m load average.", {}, (*loads)[1]);
    out.Gauge("node_load15", "15m load average.", {}, (*loads)[2]);
  }

 private:
  CachedFile file_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateLoadavg(const Paths& paths) { return NewLoadavgCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("loadavg", kEnabledByDefault, nullptr, &CreateLoadavg);

}  // namespace

std::unique_ptr<Collector> NewLoadavgCollector(const Paths& paths) {
  return std::make_unique<LoadavgCollector>(paths);
}

}  // namespace node_agent
