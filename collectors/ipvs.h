// ipvs collector: IP Virtual Server totals from /proc/net/ip_vs_stats and
// per-backend connections and weights from /proc/net/ip_vs.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct IpvsStats {
  uint64_t connections = 0;
  uint64_t incoming_packets = 0;
  uint64_t outgoing_packets = 0;
  uint64_t incoming_bytes = 0;
  uint64_t outgoing_bytes = 0;
};

// ip_vs_stats: two header lines, then the five hexadecimal totals. nullopt
// when the file does not have that shape.
std::optional<IpvsStats> ParseIpvsStats(std::string_view content);

struct IpvsBackend {
  std::string local_address;  // "" for a firewall-mark (FWM) service
  uint16_t local_port = 0;
  std::string local_mark;  // the FWM service's mark, else ""
  std::string proto;       // "TCP", "UDP" or "FWM"
  std::string remote_address;
  uint16_t remote_port = 0;
  uint64_t weight = 0;
  uint64_t active_conn = 0;
  uint64_t inact_conn = 0;
};

// ip_vs: service lines ("TCP  C0A80016:0CEA wlc", "FWM  10001000 wlc")
// each followed by its real servers ("-> C0A85216:0CEA Tunnel 100 248 2").
// Addresses are formatted as Go's net.IP prints them. A service line whose
// address cannot be parsed is appended to `skipped` with its real servers;
// so is a real server line that cannot be parsed. Lines of other services
// (e.g. SCTP) are ignored, so their real servers count under the service
// before them, as in node_exporter.
std::vector<IpvsBackend> ParseIpvsBackends(std::string_view content, std::vector<std::string>& skipped);

// --collector.ipvs.backend-labels: the comma-separated labels, returned in
// node_exporter's fixed order; throws std::invalid_argument naming unknown
// ones.
std::vector<std::string> ParseIpvsLabels(std::string_view flag_value);

struct IpvsOptions {
  std::string backend_labels = "local_address,local_port,remote_address,remote_port,proto,local_mark";
};

std::unique_ptr<Collector> NewIpvsCollector(const Paths& paths, const IpvsOptions& options);

}  // namespace node_agent
