#include "collectors/infiniband.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <vector>

#include "lib/device_filter.h"

namespace node_agent {

namespace {

bool IsGoSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

std::string_view TrimGoSpace(std::string_view s) {
  while (!s.empty() && IsGoSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsGoSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Go's strconv.ParseUint(s, 0, 64), without digit-separating underscores.
std::optional<uint64_t> ParseGoUintBase0(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int base = 10;
  if (s[0] == '0') {
    char p = s.size() >= 3 ? static_cast<char>(s[1] | 0x20) : '\0';
    if (p == 'b') base = 2, s.remove_prefix(2);
    else if (p == 'o') base = 8, s.remove_prefix(2);
    else if (p == 'x') base = 16, s.remove_prefix(2);
    else base = 8, s.remove_prefix(1);
    if (s.empty()) return 0;  // "0"
  }
  if (s.front() == '+' || s.front() == '-') return std::nullopt;
  return ParseUint(s, base);
}

}  // namespace

std::optional<uint32_t> ParseIbState(std::string_view content) {
  size_t colon = content.find(':');
  if (colon == std::string_view::npos || content.find(':', colon + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view id = TrimGoSpace(content.substr(0, colon));
  if (id.empty() || id.front() == '+') return std::nullopt;
  auto v = ParseUint(id);
  if (!v || *v > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

std::optional<uint64_t> ParseIbRate(std::string_view content) {
  size_t space = content.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view number = TrimGoSpace(content.substr(0, space + 1));
  // Go syntax first, then the value rounded once to a float, as ParseFloat(s, 32).
  if (!ParseGoFloat(number)) return std::nullopt;
  std::string buf(number);
  errno = 0;
  float f = std::strtof(buf.c_str(), nullptr);
  if (errno == ERANGE && std::isinf(f)) return std::nullopt;
  double bytes = static_cast<double>(f) * 125000000;  // Gb/s to bytes/s
  if (!(bytes >= 0) || bytes >= 18446744073709551616.0) return std::nullopt;
  return static_cast<uint64_t>(bytes);
}

IbCounterParse ParseIbCounter(std::string_view content, uint64_t* value) {
  std::string_view s = TrimGoSpace(content);
  if (auto v = ParseGoUintBase0(s)) {
    *value = *v;
    return IbCounterParse::kValue;
  }
  return s.find("N/A (no PMA)") != std::string_view::npos ? IbCounterParse::kNotAvailable
                                                         : IbCounterParse::kMalformed;
}

namespace {

// node_exporter's families, by the file they come from.
struct IbCounterDef {
  std::string_view file;
  std::string_view metric;
  std::string_view help;
  MetricType type;
  IbScale scale;
};

#define NA_IB(file, name, help) {file, "node_infiniband_" name, help, MetricType::Counter, IbScale::kOne}
#define NA_IB_LANES(file, name, help) {file, "node_infiniband_" name, help, MetricType::Counter, IbScale::kLanes}
constexpr IbCounterDef kCounters[] = {
    NA_IB("excessive_buffer_overrun_errors", "excessive_buffer_overrun_errors_total",
          "Number of times that OverrunErrors consecutive flow control update periods occurred, each having at "
          "least one overrun error."),
    NA_IB("link_downed", "link_downed_total",
          "Number of times the link failed to recover from an error state and went down"),
    NA_IB("link_error_recovery", "link_error_recovery_total",
          "Number of times the link successfully recovered from an error state"),
    NA_IB("local_link_integrity_errors", "local_link_integrity_errors_total",
          "Number of times that the count of local physical errors exceeded the threshold specified by "
          "LocalPhyErrors."),
    NA_IB("multicast_rcv_packets", "multicast_packets_received_total",
          "Number of multicast packets received (including errors)"),
    NA_IB("multicast_xmit_packets", "multicast_packets_transmitted_total",
          "Number of multicast packets transmitted (including errors)"),
    NA_IB("port_rcv_constraint_errors", "port_constraint_errors_received_total",
          "Number of packets received on the switch physical port that are discarded"),
    NA_IB_LANES("port_rcv_data", "port_data_received_bytes_total", "Number of data octets received on all links"),
    NA_IB("port_rcv_discards", "port_discards_received_total",
          "Number of inbound packets discarded by the port because the port is down or congested"),
    NA_IB("port_rcv_errors", "port_errors_received_total",
          "Number of packets containing an error that were received on this port"),
    NA_IB("port_rcv_packets", "port_packets_received_total",
          "Number of packets received on all VLs by this port (including errors)"),
    NA_IB("port_rcv_remote_physical_errors", "port_receive_remote_physical_errors_total",
          "Number of packets marked with the EBP (End of Bad Packet) delimiter received on the port."),
    NA_IB("port_rcv_switch_relay_errors", "port_receive_switch_relay_errors_total",
          "Number of packets that could not be forwarded by the switch."),
    NA_IB("port_xmit_constraint_errors", "port_constraint_errors_transmitted_total",
          "Number of packets not transmitted from the switch physical port"),
    NA_IB_LANES("port_xmit_data", "port_data_transmitted_bytes_total",
                "Number of data octets transmitted on all links"),
    NA_IB("port_xmit_discards", "port_discards_transmitted_total",
          "Number of outbound packets discarded by the port because the port is down or congested"),
    NA_IB("port_xmit_packets", "port_packets_transmitted_total",
          "Number of packets transmitted on all VLs from this port (including errors)"),
    NA_IB("port_xmit_wait", "port_transmit_wait_total",
          "Number of ticks during which the port had data to transmit but no data was sent during the entire "
          "tick"),
    NA_IB("symbol_error", "symbol_error_total", "Number of minor link errors detected on one or more physical lanes."),
    NA_IB("unicast_rcv_packets", "unicast_packets_received_total",
          "Number of unicast packets received (including errors)"),
    NA_IB("unicast_xmit_packets", "unicast_packets_transmitted_total",
          "Number of unicast packets transmitted (including errors)"),
    NA_IB("VL15_dropped", "vl15_dropped_total", "Number of incoming VL15 packets dropped due to resource limitations."),
};

// Kernels before v4.5 put the 64-bit counters here.
constexpr IbCounterDef kCountersExt[] = {
    NA_IB("port_multicast_rcv_packets", "legacy_multicast_packets_received_total",
          "Number of multicast packets received"),
    NA_IB("port_multicast_xmit_packets", "legacy_multicast_packets_transmitted_total",
          "Number of multicast packets transmitted"),
    NA_IB_LANES("port_rcv_data_64", "legacy_data_received_bytes_total", "Number of data octets received on all links"),
    NA_IB("port_rcv_packets_64", "legacy_packets_received_total", "Number of data packets received on all links"),
    NA_IB("port_unicast_rcv_packets", "legacy_unicast_packets_received_total", "Number of unicast packets received"),
    NA_IB("port_unicast_xmit_packets", "legacy_unicast_packets_transmitted_total",
          "Number of unicast packets transmitted"),
    NA_IB_LANES("port_xmit_data_64", "legacy_data_transmitted_bytes_total",
                "Number of data octets transmitted on all links"),
    NA_IB("port_xmit_packets_64", "legacy_packets_transmitted_total", "Number of data packets received on all links"),
};

// hw_counters as mlx5 names them.
constexpr IbCounterDef kHwCounters[] = {
    NA_IB("duplicate_request", "duplicate_requests_packets_total",
          "The number of received packets. A duplicate request is a request that had been previously executed."),
    NA_IB("implied_nak_seq_err", "implied_nak_seq_errors_total",
          "The number of time the requested decided an ACK. with a PSN larger than the expected PSN for an RDMA "
          "read or response."),
    {"lifespan", "node_infiniband_lifespan_seconds",
     "The maximum period in ms which defines the aging of the counter reads. Two consecutive reads within this "
     "period might return the same values.",
     MetricType::Gauge, IbScale::kMsToWholeSeconds},
    NA_IB("local_ack_timeout_err", "local_ack_timeout_errors_total",
          "The number of times QP's ack timer expired for RC, XRC, DCT QPs at the sender side. The QP retry limit "
          "was not exceed, therefore it is still recoverable error."),
    NA_IB("np_cnp_sent", "np_cnp_packets_sent_total",
          "The number of CNP packets sent by the Notification Point when it noticed congestion experienced in the "
          "RoCEv2 IP header (ECN bits). The counters was added in MLNX_OFED 4.1"),
    NA_IB("np_ecn_marked_roce_packets", "np_ecn_marked_roce_packets_received_total",
          "The number of RoCEv2 packets received by the notification point which were marked for experiencing the "
          "congestion (ECN bits where '11' on the ingress RoCE traffic) . The counters was added in MLNX_OFED 4.1"),
    NA_IB("out_of_buffer", "out_of_buffer_drops_total",
          "The number of drops occurred due to lack of WQE for the associated QPs."),
    NA_IB("out_of_sequence", "out_of_sequence_packets_received_total",
          "The number of out of sequence packets received."),
    NA_IB("packet_seq_err", "packet_sequence_errors_total",
          "The number of received NAK sequence error packets. The QP retry limit was not exceeded."),
    NA_IB("req_cqe_error", "req_cqes_errors_total",
          "The number of times requester detected CQEs completed with errors. The counters was added in MLNX_OFED "
          "4.1"),
    NA_IB("req_cqe_flush_error", "req_cqes_flush_errors_total",
          "The number of times requester detected CQEs completed with flushed errors. The counters was added in "
          "MLNX_OFED 4.1"),
    NA_IB("req_remote_access_errors", "req_remote_access_errors_total",
          "The number of times requester detected remote access errors. The counters was added in MLNX_OFED 4.1"),
    NA_IB("req_remote_invalid_request", "req_remote_invalid_request_errors_total",
          "The number of times requester detected remote invalid request errors. The counters was added in "
          "MLNX_OFED 4.1"),
    NA_IB("resp_cqe_error", "resp_cqes_errors_total",
          "The number of times responder detected CQEs completed with errors. The counters was added in MLNX_OFED "
          "4.1"),
    NA_IB("resp_cqe_flush_error", "resp_cqes_flush_errors_total",
          "The number of times responder detected CQEs completed with flushed errors. The counters was added in "
          "MLNX_OFED 4.1"),
    NA_IB("resp_local_length_error", "resp_local_length_errors_total",
          "The number of times responder detected local length errors. The counters was added in MLNX_OFED 4.1"),
    NA_IB("resp_remote_access_errors", "resp_remote_access_errors_total",
          "The number of times responder detected remote access errors. The counters was added in MLNX_OFED 4.1"),
    NA_IB("rnr_nak_retry_err", "rnr_nak_retry_packets_received_total",
          "The number of received RNR NAK packets. The QP retry limit was not exceeded."),
    NA_IB("roce_adp_retrans", "roce_adp_retransmits_total",
          "The number of adaptive retransmissions for RoCE traffic. The counter was added in MLNX_OFED rev "
          "5.0-1.0.0.0 and kernel v5.6.0"),
    NA_IB("roce_adp_retrans_to", "roce_adp_retransmits_timeout_total",
          "The number of times RoCE traffic reached timeout due to adaptive retransmission. The counter was added "
          "in MLNX_OFED rev 5.0-1.0.0.0 and kernel v5.6.0"),
    NA_IB("roce_slow_restart", "roce_slow_restart_used_total",
          "The number of times RoCE slow restart was used. The counter was added in MLNX_OFED rev 5.0-1.0.0.0 and "
          "kernel v5.6.0"),
    NA_IB("roce_slow_restart_cnps", "roce_slow_restart_cnps_total",
          "The number of times RoCE slow restart generated CNP packets. The counter was added in MLNX_OFED rev "
          "5.0-1.0.0.0 and kernel v5.6.0"),
    NA_IB("roce_slow_restart_trans", "roce_slow_restart_total",
          "The number of times RoCE slow restart changed state to slow restart. The counter was added in MLNX_OFED "
          "rev 5.0-1.0.0.0 and kernel v5.6.0"),
    NA_IB("rp_cnp_handled", "rp_cnp_packets_handled_total",
          "The number of CNP packets handled by the Reaction Point HCA to throttle the transmission rate. The "
          "counters was added in MLNX_OFED 4.1"),
    NA_IB("rp_cnp_ignored", "rp_cnp_ignored_packets_received_total",
          "The number of CNP packets received and ignored by the Reaction Point HCA. This counter should not raise "
          "if RoCE Congestion Control was enabled in the network. If this counter raise, verify that ECN was "
          "enabled on the adapter."),
    NA_IB("rx_atomic_requests", "rx_atomic_requests_total",
          "The number of received ATOMIC request for the associated QPs."),
    NA_IB("rx_dct_connect", "rx_dct_connect_requests_total",
          "The number of received connection requests for the associated DCTs."),
    NA_IB("rx_icrc_encapsulated", "rx_icrc_encapsulated_errors_total",
          "The number of RoCE packets with ICRC errors. This counter was added in MLNX_OFED 4.4 and kernel 4.19"),
    NA_IB("rx_read_requests", "rx_read_requests_total", "The number of received READ requests for the associated QPs."),
    NA_IB("rx_write_requests", "rx_write_requests_total",
          "The number of received WRITE requests for the associated QPs."),
};
#undef NA_IB
#undef NA_IB_LANES

#define NA_EFA(file, name, help, scope) \
  EfaCounterDef { file, "node_infiniband_efa_" name, help, MetricType::Counter, IbScale::kOne, EfaScope::scope }
constexpr EfaCounterDef kEfaCounters[] = {
    NA_EFA("tx_bytes", "tx_bytes_total", "Bytes transmitted by the EFA port.", kPort),
    NA_EFA("tx_pkts", "tx_packets_total", "Packets transmitted by the EFA port.", kPort),
    NA_EFA("rx_bytes", "rx_bytes_total", "Bytes received by the EFA port.", kPort),
    NA_EFA("rx_pkts", "rx_packets_total", "Packets received by the EFA port.", kPort),
    NA_EFA("rx_drops", "rx_drops_total", "Received packets the EFA port dropped.", kPort),
    NA_EFA("send_bytes", "send_bytes_total", "Bytes sent by send work requests.", kPort),
    NA_EFA("send_wrs", "send_work_requests_total", "Send work requests.", kPort),
    NA_EFA("recv_bytes", "recv_bytes_total", "Bytes received by receive work requests.", kPort),
    NA_EFA("recv_wrs", "recv_work_requests_total", "Receive work requests.", kPort),
    NA_EFA("rdma_read_wrs", "rdma_read_work_requests_total", "RDMA read work requests.", kPort),
    NA_EFA("rdma_read_bytes", "rdma_read_bytes_total", "Bytes read by RDMA read work requests.", kPort),
    NA_EFA("rdma_read_wr_err", "rdma_read_work_request_errors_total", "RDMA read work requests that failed.", kPort),
    NA_EFA("rdma_read_resp_bytes", "rdma_read_response_bytes_total",
           "Bytes sent in answer to RDMA reads by remote peers.", kPort),
    NA_EFA("rdma_write_wrs", "rdma_write_work_requests_total", "RDMA write work requests.", kPort),
    NA_EFA("rdma_write_bytes", "rdma_write_bytes_total", "Bytes written by RDMA write work requests.", kPort),
    NA_EFA("rdma_write_wr_err", "rdma_write_work_request_errors_total", "RDMA write work requests that failed.",
           kPort),
    NA_EFA("rdma_write_recv_bytes", "rdma_write_received_bytes_total",
           "Bytes written to this port by RDMA writes of remote peers.", kPort),
    NA_EFA("retrans_bytes", "retransmitted_bytes_total", "Bytes retransmitted.", kPort),
    NA_EFA("retrans_pkts", "retransmitted_packets_total", "Packets retransmitted.", kPort),
    NA_EFA("retrans_timeout_events", "retransmit_timeout_events_total", "Retransmission timeouts.", kPort),
    NA_EFA("unresponsive_remote_events", "unresponsive_remote_events_total",
           "Times a remote peer was found unresponsive.", kPort),
    NA_EFA("impaired_remote_conn_events", "impaired_remote_connection_events_total",
           "Times a connection to a remote peer was found impaired.", kPort),
    NA_EFA("submitted_cmds", "admin_submitted_commands_total", "Admin queue commands submitted to the device.",
           kDevice),
    NA_EFA("completed_cmds", "admin_completed_commands_total", "Admin queue commands the device completed.", kDevice),
    NA_EFA("cmds_err", "admin_command_errors_total", "Admin queue commands that failed.", kDevice),
    NA_EFA("no_completion_cmds", "admin_no_completion_commands_total",
           "Admin queue commands the device did not complete in time.", kDevice),
    NA_EFA("keep_alive_rcvd", "keep_alive_received_total", "Keep-alive events received from the device.", kDevice),
    NA_EFA("alloc_pd_err", "alloc_pd_errors_total", "Protection domain allocations that failed.", kDevice),
    NA_EFA("create_qp_err", "create_qp_errors_total", "Queue pair creations that failed.", kDevice),
    NA_EFA("create_cq_err", "create_cq_errors_total", "Completion queue creations that failed.", kDevice),
    NA_EFA("reg_mr_err", "reg_mr_errors_total", "Memory region registrations that failed.", kDevice),
    NA_EFA("alloc_ucontext_err", "alloc_ucontext_errors_total", "User context allocations that failed.", kDevice),
    NA_EFA("create_ah_err", "create_ah_errors_total", "Address handle creations that failed.", kDevice),
    NA_EFA("mmap_err", "mmap_errors_total", "Memory mappings of device queues that failed.", kDevice),
    EfaCounterDef{"lifespan", "node_infiniband_efa_lifespan_seconds",
                  "Period for which the kernel caches the device's counters: reads within it may return the same "
                  "values.",
                  MetricType::Gauge, IbScale::kMsToSeconds, EfaScope::kDeviceOnly},
};
#undef NA_EFA

template <size_t N>
const IbCounterDef* FindIn(const IbCounterDef (&table)[N], std::string_view file) {
  for (const auto& d : table) {
    if (d.file == file) return &d;
  }
  return nullptr;
}

}  // namespace

std::span<const EfaCounterDef> EfaCounters() { return kEfaCounters; }

const EfaCounterDef* FindEfaCounter(std::string_view file) {
  for (const auto& d : kEfaCounters) {
    if (d.file == file) return &d;
  }
  return nullptr;
}

namespace {

// The directory a counter file is in: which read errors skip the file rather
// than fail the scrape, as procfs's parsers of each directory.
enum class IbDir : uint8_t { kCounters, kCountersExt, kHwCounters, kDeviceHwCounters };

bool SkippableReadError(IbDir dir, int err) {
  if (err == ENOENT || err == EACCES || err == EPERM || err == EOPNOTSUPP) return true;
  return err == EINVAL && (dir == IbDir::kCounters || dir == IbDir::kDeviceHwCounters);
}

struct IbFile {
  std::string path;
  IbDir dir;
  const IbCounterDef* ib = nullptr;    // a node_infiniband_ family
  const EfaCounterDef* efa = nullptr;  // a node_infiniband_efa_ family
};

struct IbPortPlan {
  std::string port;  // the label: the directory name
  std::string dir;
  std::vector<IbFile> files;
};

// What a device has: its ports and counter files. sysfs creates them when
// the device registers, so on the live sysfs a plan is kept until the class
// entry's inode changes (the device registered again).
struct IbDevicePlan {
  ino_t ino = 0;
  std::string dir;
  bool efa = false;
  std::vector<IbPortPlan> ports;
  std::vector<IbFile> device_files;  // EFA: <dev>/hw_counters
};

double ScaledValue(uint64_t v, IbScale scale) {
  switch (scale) {
    case IbScale::kLanes:
      return static_cast<double>(v * 4);  // wraps as Go's uint64 does
    case IbScale::kMsToWholeSeconds:
      return static_cast<double>(v / 1000);
    case IbScale::kMsToSeconds:
      return static_cast<double>(v) / 1000;
    case IbScale::kOne:
      break;
  }
  return static_cast<double>(v);
}

struct InfinibandFlags {
  InfinibandOptions options;
};
InfinibandFlags& Flags() {
  static InfinibandFlags flags;
  return flags;
}

void AddInfinibandFlags(CLI::App& app) {
  InfinibandOptions& o = Flags().options;
  app.add_option("--collector.infiniband.device-include", o.device_include,
                 "Regexp of infiniband devices to include (mutually exclusive to device-exclude).")
      ->group("infiniband collector");
  app.add_option("--collector.infiniband.device-exclude", o.device_exclude,
                 "Regexp of infiniband devices to exclude (mutually exclusive to device-include).")
      ->group("infiniband collector");
}

class InfinibandCollector : public Collector {
 public:
  InfinibandCollector(const Paths& paths, const InfinibandOptions& options)
      : class_dir_(paths.Sys("class/infiniband"), IsSysfsMount(paths.sysfs)),
        filter_("collector.infiniband.device-exclude", options.device_exclude,
                "collector.infiniband.device-include", options.device_include) {}

  void Collect(MetricSet& out) override {
    if (int err = class_dir_.List(entries_); err != 0) {
      if (err == ENOENT) return out.SetNoData("infiniband statistics not found, skipping");
      ThrowPathError("error obtaining InfiniBand class info: open ", class_dir_.path(), err);
    }
    std::vector<std::string> skipped;
    std::map<std::string, IbDevicePlan, std::less<>> plans;
    for (const DirEntry& e : entries_) {
      if (filter_.Ignored(e.name)) continue;
      IbDevicePlan& plan = plans[e.name];
      auto old = plans_.find(e.name);
      if (class_dir_.keep_open() && old != plans_.end() && old->second.ino == e.ino) {
        plan = std::move(old->second);
      } else {
        plan = BuildPlan(e, skipped);
      }
      CollectDevice(e.name, plan, out, skipped);
    }
    plans_ = std::move(plans);
    ReportSkipped("infiniband", class_dir_.path(), skipped);
  }

 private:
  IbDevicePlan BuildPlan(const DirEntry& e, std::vector<std::string>& skipped) {
    IbDevicePlan plan;
    plan.ino = e.ino;
    plan.dir = Paths::Join(class_dir_.path(), e.name);
    // One readlink: EFA's counters are only read from devices of the efa driver.
    auto driver = ReadLink(plan.dir + "/device/driver");
    plan.efa = driver && BaseName(*driver) == "efa";
    if (plan.efa) AddFiles(plan.dir + "/hw_counters", IbDir::kDeviceHwCounters, plan, plan.device_files);
    std::string ports_dir = plan.dir + "/ports";
    std::vector<DirEntry> ports;
    if (int err = DirLister(ports_dir, false).List(ports); err != 0) {
      ThrowPathError("failed to list InfiniBand ports at ", ports_dir, err);
    }
    for (const DirEntry& p : ports) {
      auto number = p.name.front() == '+' ? std::nullopt : ParseUint(p.name);
      if (!number || *number > UINT32_MAX) {
        skipped.push_back(ports_dir + "/" + p.name);
        continue;
      }
      IbPortPlan port{p.name, ports_dir + "/" + p.name, {}};
      // procfs reads counters_ext only along with counters.
      if (AddFiles(port.dir + "/counters", IbDir::kCounters, plan, port.files)) {
        AddFiles(port.dir + "/counters_ext", IbDir::kCountersExt, plan, port.files);
      }
      AddFiles(port.dir + "/hw_counters", IbDir::kHwCounters, plan, port.files);
      plan.ports.push_back(std::move(port));
    }
    return plan;
  }

  // Adds the known regular files of `dir`; false when it does not exist.
  bool AddFiles(const std::string& dir, IbDir kind, IbDevicePlan& plan, std::vector<IbFile>& files) {
    std::vector<DirEntry> entries;
    if (int err = DirLister(dir, false).List(entries); err != 0) {
      if (err == ENOENT || err == ENOTDIR) return false;
      ThrowPathError("failed to list ", dir, err);
    }
    for (const DirEntry& f : entries) {
      if (f.type != DT_REG) continue;
      IbFile file{dir + "/" + f.name, kind};
      switch (kind) {
        case IbDir::kCounters: file.ib = FindIn(kCounters, f.name); break;
        case IbDir::kCountersExt: file.ib = FindIn(kCountersExt, f.name); break;
        case IbDir::kHwCounters: file.ib = FindIn(kHwCounters, f.name); break;
        case IbDir::kDeviceHwCounters: break;
      }
      if (plan.efa && (kind == IbDir::kHwCounters || kind == IbDir::kDeviceHwCounters)) {
        file.efa = EfaFile(f.name, kind, plan);
      }
      if (file.ib || file.efa) files.push_back(std::move(file));
    }
    return true;
  }

  // The EFA family of a hw_counters file, or null. A device-wide counter is
  // taken from the device's directory, or, on kernels that list every counter
  // per port, from the first port that has it.
  static const EfaCounterDef* EfaFile(std::string_view name, IbDir kind, const IbDevicePlan& plan) {
    const EfaCounterDef* def = FindEfaCounter(name);
    if (!def || kind == IbDir::kDeviceHwCounters) return def;
    if (def->scope == EfaScope::kPort) return def;
    if (def->scope == EfaScope::kDeviceOnly) return nullptr;
    auto taken = [&](const std::vector<IbFile>& files) {
      return std::any_of(files.begin(), files.end(), [&](const IbFile& f) { return f.efa == def; });
    };
    if (taken(plan.device_files)) return nullptr;
    for (const auto& port : plan.ports) {
      if (taken(port.files)) return nullptr;
    }
    return def;
  }

  // A device attribute, trimmed; "" when the file does not exist and
  // `optional`, else a read error fails the scrape.
  std::string ReadDeviceAttr(const std::string& path, bool optional) {
    int err = 0;
    if (ReadFile(path, buf_, &err)) return std::string(TrimGoSpace(buf_));
    if (optional && err == ENOENT) return "";
    ThrowPathError("failed to read file ", path, err);
  }

  void CollectDevice(const std::string& name, const IbDevicePlan& plan, MetricSet& out,
                     std::vector<std::string>& skipped) {
    std::string fw = ReadDeviceAttr(plan.dir + "/fw_ver", false);
    std::string board = ReadDeviceAttr(plan.dir + "/board_id", true);
    std::string hca = ReadDeviceAttr(plan.dir + "/hca_type", true);
    out.Gauge("node_infiniband_info", "Non-numeric data from /sys/class/infiniband/<device>, value is always 1.",
              {{"board_id", std::move(board)}, {"device", name}, {"firmware_version", std::move(fw)},
               {"hca_type", std::move(hca)}},
              1);
    for (const IbPortPlan& port : plan.ports) CollectPort(name, port, out, skipped);
    for (const IbFile& f : plan.device_files) EmitFile(f, {{"device", name}}, out, skipped);
  }

  // Reads a port file that must exist; nullopt (noted in `skipped`) when
  // `parse` rejects it.
  template <typename Parse>
  auto ReadPortValue(const std::string& path, Parse parse, std::vector<std::string>& skipped)
      -> decltype(parse(std::string_view())) {
    int err = 0;
    if (!ReadFile(path, buf_, &err)) {
      ThrowPathError("read ", path, err);
    }
    auto v = parse(buf_);
    if (!v) skipped.push_back(path + ": " + std::string(TrimGoSpace(buf_)));
    return v;
  }

  void CollectPort(const std::string& device, const IbPortPlan& port, MetricSet& out,
                   std::vector<std::string>& skipped) {
    auto state = ReadPortValue(port.dir + "/state", ParseIbState, skipped);
    auto phys = ReadPortValue(port.dir + "/phys_state", ParseIbState, skipped);
    auto rate = ReadPortValue(port.dir + "/rate", ParseIbRate, skipped);
    if (!state || !phys || !rate) return;
    Labels labels = {{"device", device}, {"port", port.port}};
    out.Gauge("node_infiniband_state_id",
              "State of the InfiniBand port (0: no change, 1: down, 2: init, 3: armed, 4: active, 5: act defer)",
              labels, *state);
    out.Gauge("node_infiniband_physical_state_id",
              "Physical state of the InfiniBand port (0: no change, 1: sleep, 2: polling, 3: disable, 4: shift, 5: "
              "link up, 6: link error recover, 7: phytest)",
              labels, *phys);
    out.Gauge("node_infiniband_rate_bytes_per_second", "Maximum signal transfer rate", labels,
              static_cast<double>(*rate));
    for (const IbFile& f : port.files) {
      EmitFile(f, f.efa && f.efa->scope != EfaScope::kPort ? Labels{{"device", device}} : labels, out, skipped);
    }
  }

  // `labels` are the EFA family's; node_exporter's families are per port only.
  void EmitFile(const IbFile& f, const Labels& labels, MetricSet& out, std::vector<std::string>& skipped) {
    int err = 0;
    if (!ReadFile(f.path, buf_, &err)) {
      if (SkippableReadError(f.dir, err)) return;
      ThrowPathError("failed to read file ", f.path, err);
    }
    uint64_t v = 0;
    switch (ParseIbCounter(buf_, &v)) {
      case IbCounterParse::kValue:
        break;
      case IbCounterParse::kNotAvailable:
        return;
      case IbCounterParse::kMalformed:
        skipped.push_back(f.path + ": " + std::string(TrimGoSpace(buf_)));
        return;
    }
    if (f.ib) out.Add(f.ib->type, f.ib->metric, f.ib->help, labels, ScaledValue(v, f.ib->scale));
    if (f.efa) out.Add(f.efa->type, f.efa->metric, f.efa->help, labels, ScaledValue(v, f.efa->scale));
  }

  DirLister class_dir_;
  DeviceFilter filter_;
  std::vector<DirEntry> entries_;
  std::map<std::string, IbDevicePlan, std::less<>> plans_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateInfiniband(const Paths& paths) {
  return NewInfinibandCollector(paths, Flags().options);
}

NODE_AGENT_REGISTER_COLLECTOR("infiniband", kEnabledByDefault, &AddInfinibandFlags, &CreateInfiniband);

}  // namespace

std::unique_ptr<Collector> NewInfinibandCollector(const Paths& paths, const InfinibandOptions& options) {
  return std::make_unique<InfinibandCollector>(paths, options);
}

}  // namespace node_agent
