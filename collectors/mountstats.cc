#include "collectors/mountstats.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstring>
#include <stdexcept>
#include <unordered_set>

namespace node_agent {

namespace {

// "device SRC mounted on DIR with fstype TYPE [statvers=V]".
bool ParseDeviceLine(const std::vector<std::string_view>& f, MountStatsEntry& entry) {
  if (f.size() < 8 || f[0] != "device" || f[2] != "mounted" || f[3] != "on" || f[5] != "with" ||
      f[6] != "fstype") {
    return false;
  }
  entry.device = f[1];
  entry.mount_point = f[4];
  entry.fstype = f[7];
  return true;
}

template <size_t N>
bool ParseCounters(const std::vector<std::string_view>& f, std::array<uint64_t, N>& out) {
  if (f.size() != N + 1) return false;
  for (size_t i = 0; i < N; ++i) {
    auto v = ParseUint(f[i + 1]);
    if (!v) return false;
    out[i] = *v;
  }
  return true;
}

// An "xprt: PROTO v..." line. The field counts are procfs's: statvers 1.0 has
// 10 (tcp) or 7 (udp) values, 1.1 has 13, 10, or at least 20 (rdma).
std::optional<NfsTransport> ParseTransport(const std::vector<std::string_view>& f, std::string_view version) {
  std::string_view proto = f[1];
  size_t count = f.size() - 2;
  bool ok = false;
  if (version == "1.0") {
    ok = (proto == "tcp" && count == 10) || (proto == "udp" && count == 7);
  } else if (version == "1.1") {
    ok = (proto == "tcp" && count == 13) || (proto == "udp" && count == 10) || (proto == "rdma" && count >= 20);
  }
  if (!ok) return std::nullopt;
  std::array<uint64_t, 13> n{};
  for (size_t i = 0; i < count; ++i) {
    auto v = ParseUint(f[i + 2]);
    if (!v) return std::nullopt;
    if (i < n.size()) n[i] = *v;
  }
  NfsTransport t;
  t.protocol = proto;
  t.port = n[0];
  t.bind = n[1];
  if (proto == "udp") {
    // No connection: the connect and idle fields are absent.
    t.sends = n[2], t.receives = n[3], t.bad_transaction_ids = n[4], t.cumulative_active_requests = n[5];
    t.cumulative_backlog = n[6], t.maximum_rpc_slots_used = n[7], t.cumulative_sending_queue = n[8];
    t.cumulative_pending_queue = n[9];
    return t;
  }
  t.connect = n[2], t.connect_idle_time = n[3], t.idle_time_seconds = n[4], t.sends = n[5], t.receives = n[6];
  t.bad_transaction_ids = n[7], t.cumulative_active_requests = n[8], t.cumulative_backlog = n[9];
  if (proto == "tcp") {
    // RDMA lines carry RDMA counters here instead (not exported).
    t.maximum_rpc_slots_used = n[10], t.cumulative_sending_queue = n[11], t.cumulative_pending_queue = n[12];
  }
  return t;
}

// One line of the statistics before "per-op statistics"; false when an
// exported line is malformed.
bool ParseStatLine(const std::vector<std::string_view>& f, NfsMountStats& s) {
  if (f[0] == "age:") {
    if (f.size() < 2) return false;
    // procfs reads it as a Go duration in seconds.
    auto d = ParseGoDuration(std::string(f[1]) + "s");
    if (!d) return false;
    int64_t ns = d->count();
    s.age_seconds = static_cast<double>(ns / 1000000000) + static_cast<double>(ns % 1000000000) / 1e9;
    return true;
  }
  if (f[0] == "bytes:") return ParseCounters(f, s.bytes);
  if (f[0] == "events:") return ParseCounters(f, s.events);
  if (f[0] == "xprt:") {
    if (f.size() < 3) return false;
    auto t = ParseTransport(f, s.stat_version);
    if (!t) return false;
    s.transports.push_back(std::move(*t));
  }
  return true;
}

std::optional<NfsOperation> ParseOperation(const std::vector<std::string_view>& f) {
  // Name and 8 values; statvers 1.1 adds errors (not exported).
  if (f.size() < 9) return std::nullopt;
  std::array<uint64_t, 8> n{};
  for (size_t i = 1; i < f.size(); ++i) {
    auto v = ParseUint(f[i]);
    if (!v) return std::nullopt;
    if (i - 1 < n.size()) n[i - 1] = *v;
  }
  NfsOperation op;
  std::string_view name = f[0];
  if (!name.empty() && name.back() == ':') name.remove_suffix(1);
  op.name = name;
  op.requests = n[0], op.transmissions = n[1], op.major_timeouts = n[2], op.bytes_sent = n[3];
  op.bytes_received = n[4], op.queue_milliseconds = n[5], op.response_milliseconds = n[6];
  op.request_milliseconds = n[7];
  return op;
}

// The lines after an NFS device line, up to the blank line that ends them
// (or the next device line). `i` is left at the next line to read. Returns
// false when an exported statistics line is malformed.
bool ParseNfsBlock(const std::vector<std::string_view>& lines, size_t& i, NfsMountStats& s,
                   std::vector<std::string>& skipped) {
  std::vector<std::string_view> f;
  bool in_ops = false, ok = true;
  for (; i < lines.size(); ++i) {
    Fields(lines[i], f);
    if (f.empty()) {
      ++i;
      break;
    }
    if (f[0] == "device") break;
    if (in_ops) {
      if (auto op = ParseOperation(f)) {
        s.operations.push_back(std::move(*op));
      } else {
        skipped.emplace_back(Trim(lines[i]));
      }
    } else if (f[0] == "per-op") {
      in_ops = true;
    } else if (!ParseStatLine(f, s)) {
      ok = false;
      skipped.emplace_back(Trim(lines[i]));
    }
  }
  return ok;
}

}  // namespace

std::vector<MountStatsEntry> ParseMountStats(std::string_view content, std::vector<std::string>& skipped) {
  std::vector<MountStatsEntry> mounts;
  auto lines = Lines(content);
  std::vector<std::string_view> f;
  size_t index = 0;
  for (size_t i = 0; i < lines.size();) {
    Fields(lines[i], f);
    std::string_view line = lines[i++];
    if (f.empty() || f[0] != "device") continue;
    MountStatsEntry entry;
    entry.index = index++;
    if (!ParseDeviceLine(f, entry)) {
      skipped.emplace_back(Trim(line));
      continue;
    }
    if (f.size() > 8) {
      // Only NFS prints statistics (procfs refuses any other type with them).
      if (entry.fstype != "nfs" && entry.fstype != "nfs4") {
        skipped.emplace_back(Trim(line));
        continue;
      }
      NfsMountStats nfs;
      nfs.stat_version = f[8].substr(f[8].starts_with("statvers=") ? 9 : 0);
      if (!ParseNfsBlock(lines, i, nfs, skipped)) continue;
      entry.nfs = std::move(nfs);
    }
    mounts.push_back(std::move(entry));
  }
  return mounts;
}

std::vector<std::string> ParseMountInfoAddrs(std::string_view content, std::vector<std::string>& skipped) {
  std::vector<std::string> addrs;
  std::vector<std::string_view> parts;
  for (auto line : Lines(content)) {
    // procfs splits on single spaces (the kernel escapes spaces in paths).
    parts.clear();
    for (size_t start = 0;;) {
      size_t sp = line.find(' ', start);
      parts.push_back(line.substr(start, sp == std::string_view::npos ? std::string_view::npos : sp - start));
      if (sp == std::string_view::npos) break;
      start = sp + 1;
    }
    std::string& addr = addrs.emplace_back();
    size_t n = parts.size();
    if (n < 10 || parts[n - 4] != "-" || !ParseInt(parts[0]) || !ParseInt(parts[1])) {
      skipped.emplace_back(line);
      continue;
    }
    std::string_view opts = parts[n - 1];
    for (size_t start = 0; start <= opts.size();) {
      size_t comma = opts.find(',', start);
      std::string_view opt = opts.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      if (opt.starts_with("addr=")) {
        // procfs keeps the text between the first and a second '='.
        std::string_view value = opt.substr(5);
        addr = value.substr(0, value.find('='));
      } else if (opt == "addr") {
        addr.clear();
      }
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  return addrs;
}

namespace {

constexpr std::string_view kPrefix = "node_mountstats_nfs_";
// Timings and the idle time are reduced modulo 2^53, as node_exporter does,
// so that the value stays exact in a double.
constexpr uint64_t kFloat64Mantissa = 9007199254740992ULL;

struct Desc {
  std::string_view name;
  std::string_view help;
  size_t index;
};

constexpr Desc kBytes[] = {
    {"read_bytes_total", "Number of bytes read using the read() syscall.", 0},
    {"write_bytes_total", "Number of bytes written using the write() syscall.", 1},
    {"direct_read_bytes_total", "Number of bytes read using the read() syscall in O_DIRECT mode.", 2},
    {"direct_write_bytes_total", "Number of bytes written using the write() syscall in O_DIRECT mode.", 3},
    {"total_read_bytes_total", "Number of bytes read from the NFS server, in total.", 4},
    {"total_write_bytes_total", "Number of bytes written to the NFS server, in total.", 5},
    {"read_pages_total", "Number of pages read directly via mmap()'d files.", 6},
    {"write_pages_total", "Number of pages written directly via mmap()'d files.", 7},
};

// Index 18 (congestion wait) is not exported.
constexpr Desc kEvents[] = {
    {"event_inode_revalidate_total", "Number of times cached inode attributes are re-validated from the server.", 0},
    {"event_dnode_revalidate_total", "Number of times cached dentry nodes are re-validated from the server.", 1},
    {"event_data_invalidate_total", "Number of times an inode cache is cleared.", 2},
    {"event_attribute_invalidate_total", "Number of times cached inode attributes are invalidated.", 3},
    {"event_vfs_open_total", "Number of times cached inode attributes are invalidated.", 4},
    {"event_vfs_lookup_total", "Number of times a directory lookup has occurred.", 5},
    {"event_vfs_access_total", "Number of times permissions have been checked.", 6},
    {"event_vfs_update_page_total", "Number of updates (and potential writes) to pages.", 7},
    {"event_vfs_read_page_total", "Number of pages read directly via mmap()'d files.", 8},
    {"event_vfs_read_pages_total", "Number of times a group of pages have been read.", 9},
    {"event_vfs_write_page_total", "Number of pages written directly via mmap()'d files.", 10},
    {"event_vfs_write_pages_total", "Number of times a group of pages have been written.", 11},
    {"event_vfs_getdents_total", "Number of times directory entries have been read with getdents().", 12},
    {"event_vfs_setattr_total", "Number of times directory entries have been read with getdents().", 13},
    {"event_vfs_flush_total", "Number of pending writes that have been forcefully flushed to the server.", 14},
    {"event_vfs_fsync_total", "Number of times fsync() has been called on directories and files.", 15},
    {"event_vfs_lock_total", "Number of times locking has been attempted on a file.", 16},
    {"event_vfs_file_release_total", "Number of times files have been closed and released.", 17},
    {"event_truncation_total", "Number of times files have been truncated.", 19},
    {"event_write_extension_total", "Number of times a file has been grown due to writes beyond its existing end.", 20},
    {"event_silly_rename_total", "Number of times a file was removed while still open by another process.", 21},
    {"event_short_read_total", "Number of times the NFS server gave less data than expected while reading.", 22},
    {"event_short_write_total", "Number of times the NFS server wrote less data than expected while writing.", 23},
    {"event_jukebox_delay_total", "Number of times the NFS server indicated EJUKEBOX; retrieving data from offline storage.", 24},
    {"event_pnfs_read_total", "Number of NFS v4.1+ pNFS reads.", 25},
    {"event_pnfs_write_total", "Number of NFS v4.1+ pNFS writes.", 26},
};

std::string Name(std::string_view suffix) { return std::string(kPrefix) + std::string(suffix); }

void Add(MetricSet& out, MetricType type, std::string_view suffix, std::string_view help, const Labels& labels,
         double value) {
  out.Add(type, Name(suffix), help, labels, value);
}

void AddTransport(MetricSet& out, const NfsTransport& t, Labels labels) {
  auto c = [&](std::string_view suffix, std::string_view help, uint64_t v) {
    Add(out, MetricType::Counter, suffix, help, labels, static_cast<double>(v));
  };
  c("transport_bind_total",
    "Number of times the client has had to establish a connection from scratch to the NFS server.", t.bind);
  c("transport_connect_total", "Number of times the client has made a TCP connection to the NFS server.", t.connect);
  Add(out, MetricType::Gauge, "transport_idle_time_seconds",
      "Duration since the NFS mount last saw any RPC traffic, in seconds.", labels,
      static_cast<double>(t.idle_time_seconds % kFloat64Mantissa));
  c("transport_sends_total", "Number of RPC requests for this mount sent to the NFS server.", t.sends);
  c("transport_receives_total", "Number of RPC responses for this mount received from the NFS server.", t.receives);
  c("transport_bad_transaction_ids_total",
    "Number of times the NFS server sent a response with a transaction ID unknown to this client.",
    t.bad_transaction_ids);
  c("transport_backlog_queue_total", "Total number of items added to the RPC backlog queue.", t.cumulative_backlog);
  Add(out, MetricType::Gauge, "transport_maximum_rpc_slots",
      "Maximum number of simultaneously active RPC requests ever used.", labels,
      static_cast<double>(t.maximum_rpc_slots_used));
  c("transport_sending_queue_total", "Total number of items added to the RPC transmission sending queue.",
    t.cumulative_sending_queue);
  c("transport_pending_queue_total", "Total number of items added to the RPC transmission pending queue.",
    t.cumulative_pending_queue);
}

void AddOperation(MetricSet& out, const NfsOperation& op, const Labels& labels) {
  auto c = [&](std::string_view suffix, std::string_view help, double v) {
    Add(out, MetricType::Counter, suffix, help, labels, v);
  };
  auto seconds = [](uint64_t ms) { return static_cast<double>(ms % kFloat64Mantissa) / 1000.0; };
  c("operations_requests_total", "Number of requests performed for a given operation.",
    static_cast<double>(op.requests));
  c("operations_transmissions_total", "Number of times an actual RPC request has been transmitted for a given operation.",
    static_cast<double>(op.transmissions));
  c("operations_major_timeouts_total", "Number of times a request has had a major timeout for a given operation.",
    static_cast<double>(op.major_timeouts));
  c("operations_sent_bytes_total", "Number of bytes sent for a given operation, including RPC headers and payload.",
    static_cast<double>(op.bytes_sent));
  c("operations_received_bytes_total",
    "Number of bytes received for a given operation, including RPC headers and payload.",
    static_cast<double>(op.bytes_received));
  c("operations_queue_time_seconds_total",
    "Duration all requests spent queued for transmission for a given operation before they were sent, in seconds.",
    seconds(op.queue_milliseconds));
  c("operations_response_time_seconds_total",
    "Duration all requests took to get a reply back after a request for a given operation was transmitted, in seconds.",
    seconds(op.response_milliseconds));
  c("operations_request_time_seconds_total",
    "Duration all requests took from when a request was enqueued to when it was completely handled for a given "
    "operation, in seconds.",
    seconds(op.request_milliseconds));
}

// All of one mount's statistics, labelled with its export, protocol and address.
void AddNfsStats(MetricSet& out, const NfsMountStats& s, const Labels& labels) {
  Add(out, MetricType::Counter, "age_seconds_total", "The age of the NFS mount in seconds.", labels, s.age_seconds);
  for (const auto& d : kBytes) Add(out, MetricType::Counter, d.name, d.help, labels, static_cast<double>(s.bytes[d.index]));
  for (size_t i = 0; i < s.transports.size(); ++i) {
    Labels l = labels;
    l.push_back({"transport", std::to_string(i)});
    AddTransport(out, s.transports[i], std::move(l));
  }
  for (const auto& op : s.operations) {
    Labels l = labels;
    l.push_back({"operation", op.name});
    AddOperation(out, op, l);
  }
  for (const auto& d : kEvents) {
    Add(out, MetricType::Counter, d.name, d.help, labels, static_cast<double>(s.events[d.index]));
  }
}

// The directory procfs's Self() names: /proc/self resolved to the agent's
// PID, as node_exporter does once at start. Fixture trees may hold the link
// as a small file naming the PID.
std::string SelfDir(const Paths& paths) {
  std::string self = paths.Proc("self");
  std::optional<std::string> target = ReadLink(self);
  struct stat st;
  if (!target && ::stat(self.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size < 32) {
    if (auto content = ReadAttr(self)) target = *content;
  }
  if (target && !target->empty() && ParseUint(*target)) return paths.Proc(*target);
  return self;
}

class MountstatsCollector : public Collector {
 public:
  explicit MountstatsCollector(const Paths& paths)
      : mountstats_(SelfDir(paths) + "/mountstats"), mountinfo_(SelfDir(paths) + "/mountinfo") {}

  void Collect(MetricSet& out) override {
    ReadOrThrow(mountstats_, stats_buf_, "failed to parse mountstats: ");
    ReadOrThrow(mountinfo_, info_buf_, "failed to parse mountinfo: ");
    std::vector<std::string> skipped;
    auto mounts = ParseMountStats(stats_buf_, skipped);
    ReportSkipped("mountstats", mountstats_.path(), skipped);
    skipped.clear();
    auto addrs = ParseMountInfoAddrs(info_buf_, skipped);
    ReportSkipped("mountstats", mountinfo_.path(), skipped);
    AddMounts(mounts, addrs, out);
  }

 private:
  // node_exporter's deduplication: one info sample per (export, protocol,
  // address, mount point), and one set of statistics per (export, protocol,
  // address), the first mount's.
  static void AddMounts(const std::vector<MountStatsEntry>& mounts, const std::vector<std::string>& addrs,
                        MetricSet& out) {
    std::unordered_set<std::string> mountpoints, devices;
    for (const auto& m : mounts) {
      if (!m.nfs) continue;
      // The mountinfo line of the same index describes the same mount.
      const std::string addr = m.index < addrs.size() ? addrs[m.index] : "";
      for (const auto& t : m.nfs->transports) {
        std::string device_key = m.device + '\0' + t.protocol + '\0' + addr;
        if (mountpoints.insert(device_key + '\0' + m.mount_point).second) {
          out.Gauge(Name("mountpoint_info"), "Info metric for an NFS mountpoint.",
                    {{"export", m.device}, {"protocol", t.protocol}, {"mountaddr", addr}, {"mountpoint", m.mount_point}},
                    1);
        }
        if (!devices.insert(device_key).second) break;
        AddNfsStats(out, *m.nfs, {{"export", m.device}, {"protocol", t.protocol}, {"mountaddr", addr}});
      }
    }
  }

  CachedFile mountstats_;
  CachedFile mountinfo_;
  std::string stats_buf_, info_buf_;
};

std::unique_ptr<Collector> CreateMountstats(const Paths& paths) { return NewMountstatsCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("mountstats", kDisabledByDefault, nullptr, &CreateMountstats);

}  // namespace

std::unique_ptr<Collector> NewMountstatsCollector(const Paths& paths) {
  return std::make_unique<MountstatsCollector>(paths);
}

}  // namespace node_agent
