#include "collectors/drbd.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace node_agent {

namespace {

struct Numerical {
  std::string_view key;
  std::string_view name;
  std::string_view help;
  MetricType type;
  double multiplier;
};

// The kernel prints these in KiB where the multiplier is 1024.
constexpr Numerical kNumerical[] = {
    {"ns", "node_drbd_network_sent_bytes_total", "Total number of bytes sent via the network.", MetricType::Counter, 1024},
    {"nr", "node_drbd_network_received_bytes_total", "Total number of bytes received via the network.", MetricType::Counter, 1},
    {"dw", "node_drbd_disk_written_bytes_total", "Net data written on local hard disk; in bytes.", MetricType::Counter, 1024},
    {"dr", "node_drbd_disk_read_bytes_total", "Net data read from local hard disk; in bytes.", MetricType::Counter, 1024},
    {"al", "node_drbd_activitylog_writes_total", "Number of updates of the activity log area of the meta data.", MetricType::Counter, 1},
    {"bm", "node_drbd_bitmap_writes_total", "Number of updates of the bitmap area of the meta data.", MetricType::Counter, 1},
    {"lo", "node_drbd_local_pending", "Number of open requests to the local I/O sub-system.", MetricType::Gauge, 1},
    {"pe", "node_drbd_remote_pending", "Number of requests sent to the peer, but that have not yet been answered by the latter.", MetricType::Gauge, 1},
    {"ua", "node_drbd_remote_unacknowledged", "Number of requests received by the peer via the network connection, but that have not yet been answered.", MetricType::Gauge, 1},
    {"ap", "node_drbd_application_pending", "Number of block I/O requests forwarded to DRBD, but not yet answered by DRBD.", MetricType::Gauge, 1},
    {"ep", "node_drbd_epochs", "Number of Epochs currently on the fly.", MetricType::Gauge, 1},
    {"oos", "node_drbd_out_of_sync_bytes", "Amount of data known to be out of sync; in bytes.", MetricType::Gauge, 1024},
};

struct StringPair {
  std::string_view key;
  std::string_view name;
  std::string_view help;
  std::string_view ok;
};

constexpr StringPair kStringPairs[] = {
    {"ro", "node_drbd_node_role_is_primary", "Whether the role of the node is in the primary state.", "Primary"},
    {"ds", "node_drbd_disk_state_is_up_to_date", "Whether the disk of the node is up to date.", "UpToDate"},
};

const Numerical* FindNumerical(std::string_view key) {
  for (const auto& n : kNumerical) {
    if (n.key == key) return &n;
  }
  return nullptr;
}

const StringPair* FindStringPair(std::string_view key) {
  for (const auto& p : kStringPairs) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

}  // namespace

std::vector<DrbdField> ParseDrbd(std::string_view content, std::vector<std::string>& skipped) {
  std::vector<DrbdField> out;
  std::string device = "unknown";
  for (auto word : Fields(content)) {
    size_t colon = word.find(':');
    if (colon == std::string_view::npos || word.find(':', colon + 1) != std::string_view::npos) continue;
    std::string_view key = word.substr(0, colon), value = word.substr(colon + 1);
    if (value.empty()) {
      // "N:" starts a new device.
      if (auto id = ParseUint(key)) {
        device = fmt::format("drbd{}", *id);
        continue;
      }
    }
    bool ok = true;
    if (FindNumerical(key)) {
      ok = ParseGoFloat(value).has_value();
    } else if (FindStringPair(key)) {
      ok = value.find('/') != std::string_view::npos;
    } else if (key != "cs") {
      continue;
    }
    if (!ok) {
      skipped.emplace_back(word);
      continue;
    }
    out.push_back({device, key, value});
  }
  return out;
}

namespace {

class DrbdCollector : public Collector {
 public:
  explicit DrbdCollector(const Paths& paths) : file_(paths.Proc("drbd")) {}

  void Collect(MetricSet& out) override {
    if (int err = file_.Read(buf_); err != 0) {
      // No DRBD module loaded.
      if (err == ENOENT) return out.SetNoData("stats file does not exist, skipping: " + file_.path());
      ThrowPathError("", file_.path(), err);
    }
    std::vector<std::string> skipped;
    auto fields = ParseDrbd(buf_, skipped);
    ReportSkipped("drbd", file_.path(), skipped);
    for (const auto& f : fields) {
      if (const Numerical* n = FindNumerical(f.key)) {
        out.Add(n->type, n->name, n->help, {{"device", f.device}}, *ParseGoFloat(f.value) * n->multiplier);
      } else if (const StringPair* p = FindStringPair(f.key)) {
        size_t slash = f.value.find('/');
        std::string_view local = f.value.substr(0, slash);
        std::string_view remote = f.value.substr(slash + 1);
        remote = remote.substr(0, remote.find('/'));
        out.Gauge(p->name, p->help, {{"device", f.device}, {"node", "local"}}, local == p->ok ? 1 : 0);
        out.Gauge(p->name, p->help, {{"device", f.device}, {"node", "remote"}}, remote == p->ok ? 1 : 0);
      } else {
        out.Gauge("node_drbd_connected", "Whether DRBD is connected to the peer.", {{"device", f.device}},
                  f.value == "Connected" ? 1 : 0);
      }
    }
  }

 private:
  CachedFile file_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateDrbd(const Paths& paths) { return NewDrbdCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("drbd", kDisabledByDefault, nullptr, &CreateDrbd);

}  // namespace

std::unique_ptr<Collector> NewDrbdCollector(const Paths& paths) { return std::make_unique<DrbdCollector>(paths); }

}  // namespace node_agent
