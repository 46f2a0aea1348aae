// tcpstat collector: TCP sockets by connection state, and their queued bytes,
// from sock_diag (NETLINK_SOCK_DIAG inet_diag dumps of IPv4 and, where
// /proc/net/tcp6 exists, IPv6), as node_exporter's collector/tcpstat_linux.go
// (off by default).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// node_exporter's map keyed by tcpConnectionState: TCP_* states 1..11,
// 12 (rx_queued_bytes) and 13 (tx_queued_bytes); a socket in state 12 or 13
// counts there too, as in node_exporter.
using TcpStateCounts = std::map<int, double>;

// Adds the sockets of one inet_diag dump (concatenated SOCK_DIAG_BY_FAMILY
// replies) to `counts`. A message too short for struct inet_diag_msg is
// skipped and recorded. False when the dump itself is malformed.
bool ParseTcpDiagDump(std::string_view bytes, TcpStateCounts& counts, std::vector<std::string>& skipped);

// The state label node_exporter gives a key ("unknown" past 13).
std::string_view TcpStateName(int state);

void AddTcpStatMetrics(const TcpStateCounts& counts, MetricSet& out);

std::unique_ptr<Collector> NewTcpstatCollector(const Paths& paths);

}  // namespace node_agent
