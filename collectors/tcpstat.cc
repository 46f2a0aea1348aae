#include "collectors/tcpstat.h"

#include <fmt/format.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <stdexcept>

#include "lib/netlink.h"

namespace node_agent {

namespace {
constexpr int kRxQueued = 12;
constexpr int kTxQueued = 13;
}  // namespace

bool ParseTcpDiagDump(std::string_view bytes, TcpStateCounts& counts, std::vector<std::string>& skipped) {
  NlMessages msgs(bytes);
  return msgs.ForEach([&](const nlmsghdr* hdr) {
    if (hdr->nlmsg_type != SOCK_DIAG_BY_FAMILY) return;
    if (hdr->nlmsg_len < NLMSG_LENGTH(sizeof(inet_diag_msg))) {
      skipped.push_back(fmt::format("short inet_diag message, len={}", hdr->nlmsg_len));
      return;
    }
    inet_diag_msg m;
    std::memcpy(&m, NLMSG_DATA(hdr), sizeof(m));
    counts[kTxQueued] += m.idiag_wqueue;
    counts[kRxQueued] += m.idiag_rqueue;
    counts[m.idiag_state]++;
  });
}

std::string_view TcpStateName(int state) {
  static constexpr std::string_view kNames[] = {
      "unknown",   "established", "syn_sent", "syn_recv", "fin_wait1",       "fin_wait2",      "time_wait",
      "close",     "close_wait",  "last_ack", "listen",   "closing",         "rx_queued_bytes", "tx_queued_bytes"};
  return state >= 1 && state <= kTxQueued ? kNames[state] : "unknown";
}

void AddTcpStatMetrics(const TcpStateCounts& counts, MetricSet& out) {
  // Every state past 13 (or 0) is "unknown" in node_exporter; summed here so
  // that the label set stays unique.
  double unknown = 0;
  bool any_unknown = false;
  for (const auto& [state, value] : counts) {
    if (state < 1 || state > kTxQueued) {
      unknown += value;
      any_unknown = true;
      continue;
    }
    out.Gauge("node_tcp_connection_states", "Number of connection states.",
              {{"state", std::string(TcpStateName(state))}}, value);
  }
  if (any_unknown) {
    out.Gauge("node_tcp_connection_states", "Number of connection states.", {{"state", "unknown"}}, unknown);
  }
}

namespace {

class TcpstatCollector : public Collector {
 public:
  explicit TcpstatCollector(const Paths& paths) : tcp6_(paths.Proc("net/tcp6")) {}

  void Collect(MetricSet& out) override {
    TcpStateCounts counts;
    skipped_.clear();
    Dump(AF_INET, "tcpstats", counts);
    if (Exists(tcp6_)) Dump(AF_INET6, "tcp6stats", counts);
    ReportSkipped("tcpstat", "netlink sock_diag", skipped_);
    AddTcpStatMetrics(counts, out);
  }

 private:
  void Dump(uint8_t family, const char* what, TcpStateCounts& counts) {
    inet_diag_req_v2 req{};
    req.sdiag_family = family;
    req.sdiag_protocol = IPPROTO_TCP;
    req.idiag_states = 0xFFF;  // every state
    // node_exporter also asks for INET_DIAG_INFO, which it never reads; left
    // out, the replies are a fraction of the size.
    int err = sock_.Request(SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, &req, sizeof(req), {}, dump_);
    if (err != 0) throw std::runtime_error(fmt::format("couldn't get {}: {}", what, std::strerror(err)));
    if (!ParseTcpDiagDump(dump_, counts, skipped_)) {
      throw std::runtime_error(fmt::format("couldn't get {}: malformed reply", what));
    }
  }

  std::string tcp6_;
  NetlinkSocket sock_{NETLINK_SOCK_DIAG};
  std::string dump_;
  std::vector<std::string> skipped_;
};

std::unique_ptr<Collector> CreateTcpstat(const Paths& paths) { return NewTcpstatCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("tcpstat", kDisabledByDefault, nullptr, &CreateTcpstat);

}  // namespace

std::unique_ptr<Collector> NewTcpstatCollector(const Paths& paths) {
  return std::make_unique<TcpstatCollector>(paths);
}

}  // namespace node_agent
