// netstat collector: /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6 as
// node_netstat_<Protocol>_<Field> (untyped), filtered by
// --collector.netstat.fields, as node_exporter's netstat_linux.go.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// node_exporter 1.12's default for --collector.netstat.fields.
inline constexpr const char* kNetstatDefaultFields =
    "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|"
    "TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts|TCPOFOQueue|TCPRcvQDrop)|"
    "Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|"
    "Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$";

// One protocol's counters, in file order.
struct NetStatSection {
  std::string protocol;  // "TcpExt", "Ip6", ...
  std::vector<std::pair<std::string, double>> fields;
};

// /proc/net/netstat and /proc/net/snmp: pairs of lines "Proto: Name1 Name2 ..."
// and "Proto: v1 v2 ...". A pair whose counts differ, or a value that is not a
// number, is skipped and described in `problems` (the rest is kept).
std::vector<NetStatSection> ParseNetStats(std::string_view content,
                                          std::vector<std::string>* problems = nullptr);

// /proc/net/snmp6: "Ip6InReceives   7" lines. The protocol is the name up to
// and including its first '6' (Ip6, Icmp6, Udp6, UdpLite6); lines without a
// '6' are ignored, as node_exporter does. Sections are grouped by protocol in
// order of first appearance.
std::vector<NetStatSection> ParseSnmp6(std::string_view content,
                                       std::vector<std::string>* problems = nullptr);

struct NetstatOptions {
  std::string fields = kNetstatDefaultFields;
};

std::unique_ptr<Collector> NewNetstatCollector(const Paths& paths, const NetstatOptions& options);

}  // namespace node_agent
