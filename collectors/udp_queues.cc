#include "collectors/udp_queues.h"
#include "lib/go_compat.h"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace node_agent {

namespace {

// "A:B" split at its only colon; false when there is not exactly one.
bool SplitColon(std::string_view s, std::string_view& a, std::string_view& b) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || s.find(':', colon + 1) != std::string_view::npos) return false;
  a = s.substr(0, colon);
  b = s.substr(colon + 1);
  return true;
}

bool IsHexAddress(std::string_view s) {
  if (s.size() != 8 && s.size() != 32) return false;
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool ValidEndpoint(std::string_view field) {
  std::string_view addr, port;
  return SplitColon(field, addr, port) && IsHexAddress(addr) && ParseUint(port, 16).has_value();
}

// The queues of one socket line; false for a line procfs would reject.
bool ParseSocketLine(const std::vector<std::string_view>& f, UdpQueues& q) {
  // procfs reads the drops column (the 13th) of every UDP line.
  if (f.size() < 13) return false;
  std::string_view sl, rest, tx, rx;
  if (!SplitColon(f[0], sl, rest) || !ParseGoUint(sl)) return false;
  if (!ValidEndpoint(f[1]) || !ValidEndpoint(f[2]) || !ParseUint(f[3], 16)) return false;
  if (!SplitColon(f[4], tx, rx)) return false;
  auto txv = ParseUint(tx, 16), rxv = ParseUint(rx, 16);
  if (!txv || !rxv || !ParseGoUint(f[7]) || !ParseGoUint(f[9]) || !ParseGoUint(f[12])) return false;
  q.tx = *txv;
  q.rx = *rxv;
  return true;
}

}  // namespace

UdpQueues ParseUdpQueues(std::string_view content, std::vector<std::string>& skipped) {
  UdpQueues total;
  // Skips the header line.
  auto nl = content.find('\n');
  content = nl == std::string_view::npos ? std::string_view() : content.substr(nl + 1);
  std::vector<std::string_view> f;
  for (auto line : Lines(content)) {
    Fields(line, f);
    UdpQueues q;
    if (!ParseSocketLine(f, q)) {
      skipped.emplace_back(Trim(line));
      continue;
    }
    total.tx += q.tx;
    total.rx += q.rx;
  }
  return total;
}

namespace {

class UdpQueuesCollector : public Collector {
 public:
  explicit UdpQueuesCollector(const Paths& paths)
      : v4_(paths.Proc("net/udp"), ShortRead::kShortRecords), v6_(paths.Proc("net/udp6"), ShortRead::kShortRecords) {}

  void Collect(MetricSet& out) override {
    bool v4 = CollectFile(out, v4_, "v4");
    bool v6 = CollectFile(out, v6_, "v6");
    if (!v4 && !v6) return out.SetNoData("neither net/udp nor net/udp6 exists");
  }

 private:
  // False when the file does not exist (no IPv4 or no IPv6 on this kernel).
  bool CollectFile(MetricSet& out, CachedFile& file, const char* ip) {
    if (int err = file.Read(buf_); err != 0) {
      if (err == ENOENT) return false;
      throw std::runtime_error(fmt::format("couldn't get udp queued bytes: {}: {}", file.path(), std::strerror(err)));
    }
    std::vector<std::string> skipped;
    UdpQueues q = ParseUdpQueues(buf_, skipped);
    ReportSkipped("udp_queues", file.path(), skipped);
    const char* help = "Number of allocated memory in the kernel for UDP datagrams in bytes.";
    out.Gauge("node_udp_queues", help, {{"ip", ip}, {"queue", "tx"}}, static_cast<double>(q.tx));
    out.Gauge("node_udp_queues", help, {{"ip", ip}, {"queue", "rx"}}, static_cast<double>(q.rx));
    return true;
  }

  CachedFile v4_, v6_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateUdpQueues(const Paths& paths) { return NewUdpQueuesCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("udp_queues", kEnabledByDefault, nullptr, &CreateUdpQueues);

}  // namespace

std::unique_ptr<Collector> NewUdpQueuesCollector(const Paths& paths) {
  return std::make_unique<UdpQueuesCollector>(paths);
}

}  // namespace node_agent
