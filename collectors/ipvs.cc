#include "collectors/ipvs.h"

#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>

namespace node_agent {

std::optional<IpvsStats> ParseIpvsStats(std::string_view content) {
  // The totals are on the third line; procfs wants a fourth line to exist.
  std::array<std::string_view, 3> lines;
  for (auto& line : lines) {
    auto nl = content.find('\n');
    if (nl == std::string_view::npos) return std::nullopt;
    line = content.substr(0, nl);
    content.remove_prefix(nl + 1);
  }
  auto f = Fields(lines[2]);
  if (f.size() != 5) return std::nullopt;
  std::array<uint64_t, 5> v{};
  for (size_t i = 0; i < 5; ++i) {
    auto n = ParseUint(f[i], 16);
    if (!n) return std::nullopt;
    v[i] = *n;
  }
  return IpvsStats{v[0], v[1], v[2], v[3], v[4]};
}

namespace {

// Go's net.IP.String for 16 bytes: an IPv4-mapped address as a dotted quad,
// else lowercase hex groups with the first longest run of two or more zero
// groups as "::".
std::string FormatIpv6(const unsigned char* b) {
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b, kMapped, 12) == 0) return fmt::format("{}.{}.{}.{}", b[12], b[13], b[14], b[15]);
  std::array<unsigned, 8> g{};
  for (size_t i = 0; i < 8; ++i) g[i] = (b[2 * i] << 8) | b[2 * i + 1];
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i >= 2 && j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    out += fmt::format("{:x}", g[i]);
  }
  return out;
}

// "C0A80016:0CEA" or "[2620:0000:...:0001]:0050" (the kernel's fixed widths,
// as procfs checks them).
bool ParseIpPort(std::string_view s, std::string& ip, uint16_t& port) {
  if (s.size() == 13) {
    auto v = ParseUint(s.substr(0, 8), 16);
    if (!v || s.substr(0, 2) == "0x" || s.substr(0, 2) == "0X") return false;
    ip = fmt::format("{}.{}.{}.{}", (*v >> 24) & 0xff, (*v >> 16) & 0xff, (*v >> 8) & 0xff, *v & 0xff);
  } else if (s.size() == 46) {
    std::string text(s.substr(1, 39));
    unsigned char b[16];
    if (::inet_pton(AF_INET6, text.c_str(), b) != 1) return false;
    ip = FormatIpv6(b);
  } else {
    return false;
  }
  auto p = ParseUint(s.substr(s.size() - 4), 16);
  if (!p || *p > 0xffff) return false;
  port = static_cast<uint16_t>(*p);
  return true;
}

bool ParseRealServer(const std::vector<std::string_view>& f, IpvsBackend& b) {
  if (!ParseIpPort(f[1], b.remote_address, b.remote_port)) return false;
  auto weight = ParseUint(f[3]), active = ParseUint(f[4]), inactive = ParseUint(f[5]);
  if (!weight || !active || !inactive) return false;
  b.weight = *weight;
  b.active_conn = *active;
  b.inact_conn = *inactive;
  return true;
}

}  // namespace

std::vector<IpvsBackend> ParseIpvsBackends(std::string_view content, std::vector<std::string>& skipped) {
  std::vector<IpvsBackend> out;
  IpvsBackend service;  // the current service's fields of each real server
  bool service_ok = true;
  std::vector<std::string_view> f;
  for (auto line : Lines(content)) {
    Fields(line, f);
    if (f.empty() || f[0] == "IP" || f[0] == "Prot" || (f.size() >= 2 && f[1] == "RemoteAddress:Port")) continue;
    if ((f[0] == "TCP" || f[0] == "UDP") && f.size() >= 2) {
      service = IpvsBackend{};
      service.proto = std::string(f[0]);
      service_ok = ParseIpPort(f[1], service.local_address, service.local_port);
      if (!service_ok) skipped.emplace_back(Trim(line));
    } else if (f[0] == "FWM" && f.size() >= 2) {
      service = IpvsBackend{};
      service.proto = "FWM";
      service.local_mark = std::string(f[1]);
      service_ok = true;
    } else if (f[0] == "->" && f.size() >= 6) {
      IpvsBackend b = service;
      if (!service_ok || !ParseRealServer(f, b)) {
        skipped.emplace_back(Trim(line));
        continue;
      }
      out.push_back(std::move(b));
    }
  }
  return out;
}

namespace {

constexpr std::array<const char*, 6> kIpvsLabels = {"local_address", "local_port", "remote_address",
                                                     "remote_port",   "proto",      "local_mark"};

}  // namespace

std::vector<std::string> ParseIpvsLabels(std::string_view flag_value) {
  std::set<std::string> given;
  for (;;) {
    auto comma = flag_value.find(',');
    auto label = flag_value.substr(0, comma);
    if (!label.empty()) given.emplace(label);
    if (comma == std::string_view::npos) break;
    flag_value.remove_prefix(comma + 1);
  }
  std::vector<std::string> labels;
  for (const char* label : kIpvsLabels) {
    if (given.erase(label)) labels.emplace_back(label);
  }
  if (!given.empty()) {
    std::string unknown;
    for (const auto& l : given) unknown += (unknown.empty() ? "" : ", ") + l;
    throw std::invalid_argument(
        fmt::format("--collector.ipvs.backend-labels: unknown IPVS backend labels: \"{}\"", unknown));
  }
  return labels;
}

namespace {

IpvsOptions& FlagOptions() {
  static IpvsOptions options;
  return options;
}

void AddIpvsFlags(CLI::App& app) {
  app.add_option("--collector.ipvs.backend-labels", FlagOptions().backend_labels,
                 "Comma separated list for IPVS backend stats labels.")
      ->group("ipvs collector")
      ->capture_default_str();
}

class IpvsCollector : public Collector {
 public:
  IpvsCollector(const Paths& paths, std::vector<std::string> labels)
      : stats_(paths.Proc("net/ip_vs_stats")), backends_(paths.Proc("net/ip_vs")), labels_(std::move(labels)) {}

  void Collect(MetricSet& out) override {
    if (int err = stats_.Read(buf_); err != 0) {
      // No ip_vs module: node_exporter's ErrNoData.
      if (err == ENOENT) return out.SetNoData("ipvs collector metrics are not available for this system");
      throw std::runtime_error(fmt::format("could not get IPVS stats: {}: {}", stats_.path(), std::strerror(err)));
    }
    auto stats = ParseIpvsStats(buf_);
    if (!stats) throw std::runtime_error("could not get IPVS stats: " + stats_.path() + " corrupt");
    out.Counter("node_ipvs_connections_total", "The total number of connections made.", {},
                static_cast<double>(stats->connections));
    out.Counter("node_ipvs_incoming_packets_total", "The total number of incoming packets.", {},
                static_cast<double>(stats->incoming_packets));
    out.Counter("node_ipvs_outgoing_packets_total", "The total number of outgoing packets.", {},
                static_cast<double>(stats->outgoing_packets));
    out.Counter("node_ipvs_incoming_bytes_total", "The total amount of incoming data.", {},
                static_cast<double>(stats->incoming_bytes));
    out.Counter("node_ipvs_outgoing_bytes_total", "The total amount of outgoing data.", {},
                static_cast<double>(stats->outgoing_bytes));
    if (int err = backends_.Read(buf_); err != 0) {
      throw std::runtime_error(fmt::format("could not get backend status: {}: {}", backends_.path(), std::strerror(err)));
    }
    std::vector<std::string> skipped;
    auto backends = ParseIpvsBackends(buf_, skipped);
    ReportSkipped("ipvs", backends_.path(), skipped);
    EmitBackends(out, backends);
  }

 private:
  std::string LabelValue(const IpvsBackend& b, std::string_view label) const {
    if (label == "local_address") return b.local_address;
    if (label == "local_port") return std::to_string(b.local_port);
    if (label == "remote_address") return b.remote_address;
    if (label == "remote_port") return std::to_string(b.remote_port);
    if (label == "proto") return b.proto;
    return b.local_mark;
  }

  // Real servers with the same values of the chosen labels are summed.
  void EmitBackends(MetricSet& out, const std::vector<IpvsBackend>& backends) const {
    struct Sum {
      uint64_t active = 0, inactive = 0, weight = 0;
    };
    std::map<Labels, Sum> sums;
    for (const auto& b : backends) {
      Labels labels;
      for (const auto& l : labels_) labels.push_back({l, LabelValue(b, l)});
      // The exposition lists labels by name, as client_golang does.
      std::sort(labels.begin(), labels.end(), [](const Label& x, const Label& y) { return x.name < y.name; });
      Sum& s = sums[labels];
      s.active += b.active_conn;
      s.inactive += b.inact_conn;
      s.weight += b.weight;
    }
    for (const auto& [labels, s] : sums) {
      out.Gauge("node_ipvs_backend_connections_active", "The current active connections by local and remote address.",
                labels, static_cast<double>(s.active));
      out.Gauge("node_ipvs_backend_connections_inactive",
                "The current inactive connections by local and remote address.", labels,
                static_cast<double>(s.inactive));
      out.Gauge("node_ipvs_backend_weight", "The current backend weight by local and remote address.", labels,
                static_cast<double>(s.weight));
    }
  }

  CachedFile stats_, backends_;
  std::vector<std::string> labels_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateIpvs(const Paths& paths) { return NewIpvsCollector(paths, FlagOptions()); }

NODE_AGENT_REGISTER_COLLECTOR("ipvs", kEnabledByDefault, &AddIpvsFlags, &CreateIpvs);

}  // namespace

std::unique_ptr<Collector> NewIpvsCollector(const Paths& paths, const IpvsOptions& options) {
  return std::make_unique<IpvsCollector>(paths, ParseIpvsLabels(options.backend_labels));
}

}  // namespace node_agent
