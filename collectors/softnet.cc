#include "collectors/softnet.h"

#include <fmt/format.h>

#include <cstring>
#include <limits>
#include <stdexcept>

namespace node_agent {

namespace {

bool ParseHex32(std::string_view s, uint32_t& out) {
  auto v = ParseUint(s, 16);
  if (!v || *v > std::numeric_limits<uint32_t>::max()) return false;
  out = static_cast<uint32_t>(*v);
  return true;
}

bool ParseSoftnetLine(const std::vector<std::string_view>& c, uint32_t position, SoftnetStat& s) {
  if (c.size() < 9) return false;
  uint32_t unused = 0;
  for (size_t k : {3, 4, 5, 6, 7}) {
    if (!ParseHex32(c[k], unused)) return false;
  }
  if (!ParseHex32(c[0], s.processed) || !ParseHex32(c[1], s.dropped) || !ParseHex32(c[2], s.time_squeezed) ||
      !ParseHex32(c[8], s.cpu_collision)) {
    return false;
  }
  if (c.size() >= 10 && !ParseHex32(c[9], s.received_rps)) return false;
  if (c.size() >= 11 && !ParseHex32(c[10], s.flow_limit_count)) return false;
  if (c.size() >= 13) {
    return ParseHex32(c[11], s.backlog_len) && ParseHex32(c[12], s.index);
  }
  s.index = position;
  return true;
}

}  // namespace

std::vector<SoftnetStat> ParseSoftnet(std::string_view content, std::vector<std::string>& skipped) {
  std::vector<SoftnetStat> stats;
  std::vector<std::string_view> columns;
  uint32_t position = 0;
  for (auto line : Lines(content)) {
    Fields(line, columns);
    SoftnetStat s;
    if (ParseSoftnetLine(columns, position, s)) {
      stats.push_back(s);
    } else {
      skipped.emplace_back(Trim(line));
    }
    ++position;
  }
  return stats;
}

namespace {

class SoftnetCollector : public Collector {
 public:
  explicit SoftnetCollector(const Paths& paths) : file_(paths.Proc("net/softnet_stat"), ShortRead::kShortRecords) {}

  void Collect(MetricSet& out) override {
    if (int err = file_.Read(buf_); err != 0) {
      throw std::runtime_error(
          fmt::format("could not get softnet statistics: {}: {}", file_.path(), std::strerror(err)));
    }
    std::vector<std::string> skipped;
    auto stats = ParseSoftnet(buf_, skipped);
    ReportSkipped("softnet", file_.path(), skipped);
    for (const auto& s : stats) {
      std::string cpu = std::to_string(s.index);
      auto counter = [&](const char* name, const char* help, uint32_t v) {
        out.Counter(name, help, {{"cpu", cpu}}, v);
      };
      counter("node_softnet_processed_total", "Number of processed packets", s.processed);
      counter("node_softnet_dropped_total", "Number of dropped packets", s.dropped);
      counter("node_softnet_times_squeezed_total", "Number of times processing packets ran out of quota",
              s.time_squeezed);
      counter("node_softnet_cpu_collision_total",
              "Number of collision occur while obtaining device lock while transmitting", s.cpu_collision);
      counter("node_softnet_received_rps_total", "Number of times cpu woken up received_rps", s.received_rps);
      counter("node_softnet_flow_limit_count_total", "Number of times flow limit has been reached",
              s.flow_limit_count);
      out.Gauge("node_softnet_backlog_len", "Softnet backlog status", {{"cpu", cpu}}, s.backlog_len);
    }
  }

 private:
  CachedFile file_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateSoftnet(const Paths& paths) { return NewSoftnetCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("softnet", kEnabledByDefault, nullptr, &CreateSoftnet);

}  // namespace

std::unique_ptr<Collector> NewSoftnetCollector(const Paths& paths) {
  return std::make_unique<SoftnetCollector>(paths);
}

}  // namespace node_agent
