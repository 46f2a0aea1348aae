#include "collectors/nfsd.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "lib/nfs_rpc.h"

namespace node_agent {

namespace {

template <size_t N>
void CopyPrefix(const std::vector<uint64_t>& from, size_t offset, std::array<uint64_t, N>& to) {
  to.fill(0);
  for (size_t i = 0; i < N && offset + i < from.size(); ++i) to[i] = from[offset + i];
}

template <size_t N>
bool StoreExactly(const std::vector<uint64_t>& v, std::array<uint64_t, N>& to) {
  if (v.size() != N) return false;
  CopyPrefix(v, 0, to);
  return true;
}

// Stores one parsed line; false when it is malformed for its key.
bool StoreServerLine(std::string_view key, const std::vector<uint64_t>& v, NfsdStats& s) {
  if (key == "rc") return StoreExactly(v, s.rc);
  if (key == "fh") return StoreExactly(v, s.fh);
  if (key == "io") return StoreExactly(v, s.io);
  if (key == "th") return StoreExactly(v, s.th);
  if (key == "ra") return StoreExactly(v, s.ra);
  if (key == "net") return StoreExactly(v, s.net);
  if (key == "rpc") return StoreExactly(v, s.rpc);
  if (key == "proc2") {
    if (!ValidRpcProcLine(v, s.proc2.size())) return false;
    CopyPrefix(v, 1, s.proc2);
    return true;
  }
  if (key == "proc3") {
    if (!ValidRpcProcLine(v, s.proc3.size())) return false;
    CopyPrefix(v, 1, s.proc3);
    return true;
  }
  // NULL and COMPOUND: checked as procfs does, not exported.
  if (key == "proc4") return ValidRpcProcLine(v, 2) && v[0] == 2;
  if (key == "proc4ops") {
    // 39 operations before Linux 2.6, 40 (RELEASE_LOCKOWNER) and more since.
    if (!ValidRpcProcLine(v, 39)) return false;
    CopyPrefix(v, 1, s.proc4ops);
    return true;
  }
  if (key == "wdeleg_getattr") {
    s.wdeleg_getattr = v[0];
    return true;
  }
  return false;
}

}  // namespace

NfsdStats ParseNfsdStats(std::string_view content, std::vector<std::string>& skipped) {
  NfsdStats stats;
  std::vector<std::string_view> fields;
  std::vector<uint64_t> values;
  for (auto line : Lines(content)) {
    Fields(line, fields);
    if (fields.empty()) continue;
    // "th" ends with floating-point histogram fields that procfs ignores.
    size_t end = fields[0] == "th" ? 3 : fields.size();
    if (fields.size() < 2 || fields.size() < end || !ParseRpcCounters(fields, 1, end, values) ||
        !StoreServerLine(fields[0], values, stats)) {
      skipped.emplace_back(Trim(line));
    }
  }
  return stats;
}

namespace {

struct Method {
  std::string_view name;
  size_t index;
};

// The NFSv4 operations node_exporter exports, with their index in proc4ops
// (PUTPUBFH and PUTROOTFH are left out, as there).
constexpr Method kV4Ops[] = {
    {"Access", 3},       {"Close", 4},        {"Commit", 5},      {"Create", 6},        {"DelegPurge", 7},
    {"DelegReturn", 8},  {"GetAttr", 9},      {"GetFH", 10},      {"Link", 11},         {"Lock", 12},
    {"Lockt", 13},       {"Locku", 14},       {"Lookup", 15},     {"LookupRoot", 16},   {"Nverify", 17},
    {"Open", 18},        {"OpenAttr", 19},    {"OpenConfirm", 20}, {"OpenDgrd", 21},    {"PutFH", 22},
    {"Read", 25},        {"ReadDir", 26},     {"ReadLink", 27},   {"Remove", 28},       {"Rename", 29},
    {"Renew", 30},       {"RestoreFH", 31},   {"SaveFH", 32},     {"SecInfo", 33},      {"SetAttr", 34},
    {"SetClientID", 35}, {"SetClientIDConfirm", 36}, {"Verify", 37}, {"Write", 38},     {"RelLockOwner", 39},
};

constexpr std::string_view kRequestsName = "node_nfsd_requests_total";
constexpr std::string_view kRequestsHelp = "Total number NFSd Requests by method and protocol.";

void AddRequest(MetricSet& out, std::string_view proto, std::string_view method, uint64_t value) {
  out.Counter(kRequestsName, kRequestsHelp, {{"proto", std::string(proto)}, {"method", std::string(method)}},
              static_cast<double>(value));
}

void AddServerMetrics(const NfsdStats& s, MetricSet& out) {
  auto counter = [&](std::string_view name, std::string_view help, uint64_t v) {
    out.Counter(name, help, {}, static_cast<double>(v));
  };
  counter("node_nfsd_reply_cache_hits_total", "Total number of NFSd Reply Cache hits (client lost server response).",
          s.rc[0]);
  counter("node_nfsd_reply_cache_misses_total",
          "Total number of NFSd Reply Cache an operation that requires caching (idempotent).", s.rc[1]);
  counter("node_nfsd_reply_cache_nocache_total",
          "Total number of NFSd Reply Cache non-idempotent operations (rename/delete/\u2026).", s.rc[2]);
  counter("node_nfsd_file_handles_stale_total", "Total number of NFSd stale file handles", s.fh[0]);
  counter("node_nfsd_disk_bytes_read_total", "Total NFSd bytes read.", s.io[0]);
  counter("node_nfsd_disk_bytes_written_total", "Total NFSd bytes written.", s.io[1]);
  out.Gauge("node_nfsd_server_threads", "Total number of NFSd kernel threads that are running.", {},
            static_cast<double>(s.th[0]));
  out.Gauge("node_nfsd_read_ahead_cache_size_blocks", "How large the read ahead cache is in blocks.", {},
            static_cast<double>(s.ra[0]));
  counter("node_nfsd_read_ahead_cache_not_found_total", "Total number of NFSd read ahead cache not found.", s.ra[11]);
  const char* packets_help = "Total NFSd network packets (sent+received) by protocol type.";
  out.Counter("node_nfsd_packets_total", packets_help, {{"proto", "udp"}}, static_cast<double>(s.net[1]));
  out.Counter("node_nfsd_packets_total", packets_help, {{"proto", "tcp"}}, static_cast<double>(s.net[2]));
  counter("node_nfsd_connections_total", "Total number of NFSd TCP connections.", s.net[3]);
  const char* errors_help = "Total number of NFSd RPC errors by error type.";
  out.Counter("node_nfsd_rpc_errors_total", errors_help, {{"error", "fmt"}}, static_cast<double>(s.rpc[2]));
  out.Counter("node_nfsd_rpc_errors_total", errors_help, {{"error", "auth"}}, static_cast<double>(s.rpc[3]));
  out.Counter("node_nfsd_rpc_errors_total", errors_help, {{"error", "cInt"}}, static_cast<double>(s.rpc[4]));
  counter("node_nfsd_server_rpcs_total", "Total number of NFSd RPCs.", s.rpc[0]);
  // NULL is not exported for v2 and v3.
  for (size_t i = 1; i < s.proc2.size(); ++i) AddRequest(out, "2", kNfsV2Procedures[i], s.proc2[i]);
  for (size_t i = 1; i < s.proc3.size(); ++i) AddRequest(out, "3", kNfsV3Procedures[i], s.proc3[i]);
  for (const auto& op : kV4Ops) AddRequest(out, "4", op.name, s.proc4ops[op.index]);
  AddRequest(out, "4", "WdelegGetattr", s.wdeleg_getattr);
}

class NfsdCollector : public Collector {
 public:
  explicit NfsdCollector(const Paths& paths) : file_(paths.Proc("net/rpc/nfsd")) {}

  void Collect(MetricSet& out) override {
    if (int err = file_.Read(buf_); err != 0) {
      // No NFS server module loaded.
      if (err == ENOENT) return out.SetNoData("Not collecting NFSd metrics: " + file_.path() + " does not exist");
      ThrowPathError("failed to retrieve nfsd stats: ", file_.path(), err);
    }
    std::vector<std::string> skipped;
    NfsdStats s = ParseNfsdStats(buf_, skipped);
    ReportSkipped("nfsd", file_.path(), skipped);
    AddServerMetrics(s, out);
  }

 private:
  CachedFile file_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateNfsd(const Paths& paths) { return NewNfsdCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("nfsd", kEnabledByDefault, nullptr, &CreateNfsd);

}  // namespace

std::unique_ptr<Collector> NewNfsdCollector(const Paths& paths) { return std::make_unique<NfsdCollector>(paths); }

}  // namespace node_agent
