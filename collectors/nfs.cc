#include "collectors/nfs.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "lib/nfs_rpc.h"

namespace node_agent {

const std::array<std::string_view, 59> kNfsV4ClientProcedures = {
    "Null",          "Read",          "Write",           "Commit",           "Open",
    "OpenConfirm",   "OpenNoattr",    "OpenDowngrade",   "Close",            "Setattr",
    "FsInfo",        "Renew",         "SetClientID",     "SetClientIDConfirm", "Lock",
    "Lockt",         "Locku",         "Access",          "Getattr",          "Lookup",
    "LookupRoot",    "Remove",        "Rename",          "Link",             "Symlink",
    "Create",        "Pathconf",      "StatFs",          "ReadLink",         "ReadDir",
    "ServerCaps",    "DelegReturn",   "GetACL",          "SetACL",           "FsLocations",
    "ReleaseLockowner", "Secinfo",    "FsidPresent",     "ExchangeID",       "CreateSession",
    "DestroySession", "Sequence",     "GetLeaseTime",    "ReclaimComplete",  "GetDeviceInfo",
    "LayoutGet",     "LayoutCommit",  "LayoutReturn",    "SecinfoNoName",    "TestStateID",
    "FreeStateID",   "GetDeviceList", "BindConnToSession", "DestroyClientID", "Seek",
    "Allocate",      "DeAllocate",    "LayoutStats",     "Clone"};

namespace {

template <size_t N>
void CopyPrefix(const std::vector<uint64_t>& from, size_t offset, std::array<uint64_t, N>& to) {
  to.fill(0);
  for (size_t i = 0; i < N && offset + i < from.size(); ++i) to[i] = from[offset + i];
}

// Stores one parsed line; false when it is malformed for its key.
bool StoreClientLine(std::string_view key, const std::vector<uint64_t>& v, NfsClientStats& s) {
  if (key == "net") {
    if (v.size() != s.net.size()) return false;
    CopyPrefix(v, 0, s.net);
  } else if (key == "rpc") {
    if (v.size() != s.rpc.size()) return false;
    CopyPrefix(v, 0, s.rpc);
  } else if (key == "proc2") {
    if (!ValidRpcProcLine(v, s.proc2.size())) return false;
    CopyPrefix(v, 1, s.proc2);
  } else if (key == "proc3") {
    if (!ValidRpcProcLine(v, s.proc3.size())) return false;
    CopyPrefix(v, 1, s.proc3);
  } else if (key == "proc4") {
    // Any count: older kernels print fewer operations, newer ones more.
    if (!ValidRpcProcLine(v, 0)) return false;
    CopyPrefix(v, 1, s.proc4);
  } else {
    return false;
  }
  return true;
}

}  // namespace

NfsClientStats ParseNfsClientStats(std::string_view content, std::vector<std::string>& skipped) {
  NfsClientStats stats;
  std::vector<std::string_view> fields;
  std::vector<uint64_t> values;
  for (auto line : Lines(content)) {
    Fields(line, fields);
    if (fields.empty()) continue;
    if (fields.size() < 2 || !ParseRpcCounters(fields, 1, fields.size(), values) ||
        !StoreClientLine(fields[0], values, stats)) {
      skipped.emplace_back(Trim(line));
    }
  }
  return stats;
}

namespace {

constexpr std::string_view kRequestsHelp = "Number of NFS procedures invoked.";

template <size_t N>
void AddRequests(MetricSet& out, std::string_view proto, const std::array<std::string_view, N>& names,
                 const std::array<uint64_t, N>& values) {
  for (size_t i = 0; i < N; ++i) {
    out.Counter("node_nfs_requests_total", kRequestsHelp, {{"proto", std::string(proto)}, {"method", std::string(names[i])}},
                static_cast<double>(values[i]));
  }
}

class NfsCollector : public Collector {
 public:
  explicit NfsCollector(const Paths& paths) : file_(paths.Proc("net/rpc/nfs")) {}

  void Collect(MetricSet& out) override {
    if (int err = file_.Read(buf_); err != 0) {
      // No NFS client module loaded.
      if (err == ENOENT) return out.SetNoData("Not collecting NFS metrics: " + file_.path() + " does not exist");
      ThrowPathError("failed to retrieve nfs stats: ", file_.path(), err);
    }
    std::vector<std::string> skipped;
    NfsClientStats s = ParseNfsClientStats(buf_, skipped);
    ReportSkipped("nfs", file_.path(), skipped);
    const char* packets_help = "Total NFSd network packets (sent+received) by protocol type.";
    out.Counter("node_nfs_packets_total", packets_help, {{"protocol", "udp"}}, static_cast<double>(s.net[1]));
    out.Counter("node_nfs_packets_total", packets_help, {{"protocol", "tcp"}}, static_cast<double>(s.net[2]));
    out.Counter("node_nfs_connections_total", "Total number of NFSd TCP connections.", {}, static_cast<double>(s.net[3]));
    out.Counter("node_nfs_rpcs_total", "Total number of RPCs performed.", {}, static_cast<double>(s.rpc[0]));
    out.Counter("node_nfs_rpc_retransmissions_total", "Number of RPC transmissions performed.", {},
                static_cast<double>(s.rpc[1]));
    out.Counter("node_nfs_rpc_authentication_refreshes_total", "Number of RPC authentication refreshes performed.", {},
                static_cast<double>(s.rpc[2]));
    AddRequests(out, "2", kNfsV2Procedures, s.proc2);
    AddRequests(out, "3", kNfsV3Procedures, s.proc3);
    AddRequests(out, "4", kNfsV4ClientProcedures, s.proc4);
  }

 private:
  CachedFile file_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateNfs(const Paths& paths) { return NewNfsCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("nfs", kEnabledByDefault, nullptr, &CreateNfs);

}  // namespace

std::unique_ptr<Collector> NewNfsCollector(const Paths& paths) { return std::make_unique<NfsCollector>(paths); }

}  // namespace node_agent
