#include "collectors/zfs.h"

#include <dirent.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "lib/log.h"

namespace node_agent {

namespace {

// Lines as Go's bufio.Scanner gives them: without "\n" or a trailing "\r".
std::vector<std::string_view> ScanLines(std::string_view content) {
  auto lines = Lines(content);
  for (auto& l : lines) {
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  }
  return lines;
}

bool IsNamedHeader(const std::vector<std::string_view>& f) {
  return f.size() == 3 && f[0] == "name" && f[1] == "type" && f[2] == "data";
}

// kstat data types (KSTAT_DATA_*) node_exporter reads.
constexpr std::string_view kInt64 = "3", kUint64 = "4";

}  // namespace

bool ParseZfsKstatNamed(std::string_view content, std::vector<ZfsKstat>& out, std::vector<std::string>& skipped) {
  bool in_table = false;
  std::vector<std::string_view> f;
  for (std::string_view line : ScanLines(content)) {
    Fields(line, f);
    if (!in_table) {
      in_table = IsNamedHeader(f);
      continue;
    }
    if (f.size() < 3) continue;
    double value;
    if (f[1] == kUint64) {
      auto v = ParseUint(f[2]);
      if (!v) {
        skipped.emplace_back(line);
        continue;
      }
      value = static_cast<double>(*v);
    } else if (f[1] == kInt64) {
      auto v = ParseInt(f[2]);
      if (!v) {
        skipped.emplace_back(line);
        continue;
      }
      value = static_cast<double>(*v);
    } else {
      continue;
    }
    out.push_back({std::string(f[0]), value});
  }
  return in_table;
}

void ParseZpoolIo(std::string_view content, std::vector<ZfsKstat>& out, std::vector<std::string>& skipped) {
  std::vector<std::string> columns;
  std::vector<std::string_view> f;
  for (std::string_view line : ScanLines(content)) {
    Fields(line, f);
    if (columns.empty()) {
      if (f.size() >= 12 && f[0] == "nread") columns.assign(f.begin(), f.end());
      continue;
    }
    if (f.size() < columns.size()) {
      skipped.emplace_back(line);
      continue;
    }
    for (size_t i = 0; i < columns.size(); ++i) {
      auto v = ParseUint(f[i]);
      if (!v) {
        skipped.push_back(fmt::format("{}: {}", columns[i], f[i]));
        continue;
      }
      out.push_back({columns[i], static_cast<double>(*v)});
    }
  }
}

bool ParseZpoolObjset(std::string_view content, std::vector<ZfsObjsetRow>& out, std::vector<std::string>& skipped) {
  bool in_table = false, named = false;
  std::string dataset;
  std::vector<std::string_view> f;
  for (std::string_view line : ScanLines(content)) {
    Fields(line, f);
    if (!in_table) {
      in_table = IsNamedHeader(f);
      continue;
    }
    if (f.size() < 3) continue;
    if (f[0] == "dataset_name") {
      // node_exporter: line[strings.Index(line, parts[2]):], the first
      // occurrence of the value's text, which keeps inner spaces.
      named = true;
      dataset.assign(line.substr(line.find(f[2])));
      continue;
    }
    if (f[1] != kUint64) continue;
    auto v = ParseUint(f[2]);
    if (!v) {
      skipped.emplace_back(line);
      continue;
    }
    out.push_back({named, dataset, {std::string(f[0]), static_cast<double>(*v)}});
  }
  return in_table;
}

std::string ParseZpoolState(std::string_view content) {
  auto lines = ScanLines(content);
  std::string state(lines.empty() ? std::string_view() : lines.front());
  for (char& c : state) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return state;
}

std::string ZfsMetricSuffix(std::string_view kstat_name) {
  size_t dot = kstat_name.rfind('.');
  std::string s(dot == std::string_view::npos ? kstat_name : kstat_name.substr(dot + 1));
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

namespace {

// The module-wide kstat files node_exporter reads, by subsystem: metric
// node_<subsystem>_<kstat>, help "kstat.zfs.misc.<file>.<kstat>". A file this
// ZFS version does not have is skipped.
struct ZfsTable {
  std::string_view subsystem;
  std::string_view file;
};
constexpr ZfsTable kZfsTables[] = {
    {"zfs_abd", "abdstats"},
    {"zfs_arc", "arcstats"},
    {"zfs_dbuf", "dbufstats"},
    {"zfs_dmu_tx", "dmu_tx"},
    {"zfs_dnode", "dnodestats"},
    {"zfs_fm", "fm"},
    {"zfs_vdev_cache", "vdev_cache_stats"},  // vdev_cache is deprecated
    {"zfs_vdev_mirror", "vdev_mirror_stats"},
    {"zfs_xuio", "xuio_stats"},
    {"zfs_zfetch", "zfetchstats"},
    {"zfs_zil", "zil"},
};

constexpr std::array<std::string_view, 7> kPoolStates = {"online",  "degraded", "faulted",  "offline",
                                                         "removed", "unavail",  "suspended"};

// Prometheus' metric name rule; a kstat whose name would break it is skipped
// (client_golang would refuse the whole scrape's sample).
bool ValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

class ZfsCollector : public Collector {
 public:
  explicit ZfsCollector(const Paths& paths)
      : base_path_(paths.Proc("spl/kstat/zfs")), base_(base_path_, IsProcfsMount(paths.procfs)) {
    for (const ZfsTable& t : kZfsTables) tables_.emplace_back(base_path_ + "/" + std::string(t.file));
  }

  void Collect(MetricSet& out) override {
    // The one check on a node without ZFS: the kstat directory's listing.
    if (base_.List(entries_) != 0) return out.SetNoData("ZFS / ZFS statistics are not available");
    skipped_.clear();
    for (size_t i = 0; i < std::size(kZfsTables); ++i) CollectTable(kZfsTables[i], tables_[i], out);
    CollectPools(out);
  }

 private:
  [[noreturn]] static void Fail(std::string_view what, const std::string& path, int err) {
    throw std::runtime_error(fmt::format("{} {}: {}", what, path, std::strerror(err)));
  }

  void CollectTable(const ZfsTable& t, CachedFile& file, MetricSet& out) {
    if (int err = file.Read(buf_); err != 0) {
      if (err == ENOENT) return;  // not in this ZFS version
      Fail("cannot read", file.path(), err);
    }
    rows_.clear();
    if (!ParseZfsKstatNamed(buf_, rows_, skipped_)) {
      throw std::runtime_error(fmt::format("did not parse a single \"{}\" metric", t.file));
    }
    for (const ZfsKstat& k : rows_) {
      std::string name = fmt::format("node_{}_{}", t.subsystem, ZfsMetricSuffix(k.name));
      if (!Valid(name, k.name)) continue;
      out.Untyped(name, fmt::format("kstat.zfs.misc.{}.{}", t.file, k.name), {}, k.value);
    }
    ReportSkipped("zfs", file.path(), skipped_);
    skipped_.clear();
  }

  bool Valid(const std::string& metric, std::string_view kstat) {
    if (ValidMetricName(metric)) return true;
    skipped_.push_back(fmt::format("kstat name {}", kstat));
    return false;
  }

  // Each pool is a directory holding io, objset-* and state.
  void CollectPools(MetricSet& out) {
    pools_.clear();
    for (const DirEntry& e : entries_) {
      if (e.type != DT_DIR && e.type != DT_LNK) continue;
      Pool pool{e.name, base_path_ + "/" + e.name, {}};
      if (DirLister(pool.dir, false).List(pool.files) == 0) pools_.push_back(std::move(pool));
    }
    for (const Pool& p : pools_) {
      if (Has(p, "io")) CollectIo(p, out);
    }
    for (const Pool& p : pools_) {
      for (const DirEntry& f : p.files) {
        if (f.name.compare(0, 7, "objset-") == 0) CollectObjset(p, p.dir + "/" + f.name, out);
      }
    }
    for (const Pool& p : pools_) {
      if (Has(p, "state")) CollectState(p, out);
    }
  }

  struct Pool {
    std::string name, dir;
    std::vector<DirEntry> files;
  };

  static bool Has(const Pool& p, std::string_view file) {
    return std::any_of(p.files.begin(), p.files.end(), [&](const DirEntry& f) { return f.name == file; });
  }

  void Read(const std::string& path) {
    int err = 0;
    if (!ReadFile(path, buf_, &err)) Fail("cannot open file for reading", path, err);
  }

  void CollectIo(const Pool& p, MetricSet& out) {
    std::string path = p.dir + "/io";
    Read(path);
    rows_.clear();
    ParseZpoolIo(buf_, rows_, skipped_);
    for (const ZfsKstat& k : rows_) {
      std::string name = "node_zfs_zpool_" + ZfsMetricSuffix(k.name);
      if (!Valid(name, k.name)) continue;
      out.Untyped(name, "kstat.zfs.misc.io." + k.name, {{"zpool", p.name}}, k.value);
    }
    ReportSkipped("zfs", path, skipped_);
    skipped_.clear();
  }

  void CollectObjset(const Pool& p, const std::string& path, MetricSet& out) {
    Read(path);
    objset_.clear();
    if (!ParseZpoolObjset(buf_, objset_, skipped_)) {
      throw std::runtime_error(fmt::format("did not parse a single metric in {}", path));
    }
    for (const ZfsObjsetRow& r : objset_) {
      std::string name = "node_zfs_zpool_dataset_" + ZfsMetricSuffix(r.kstat.name);
      if (!Valid(name, r.kstat.name)) continue;
      out.Untyped(name, "kstat.zfs.misc.objset." + r.kstat.name,
                  {{"zpool", r.named ? p.name : std::string()}, {"dataset", r.dataset}}, r.kstat.value);
    }
    ReportSkipped("zfs", path, skipped_);
    skipped_.clear();
  }

  void CollectState(const Pool& p, MetricSet& out) {
    Read(p.dir + "/state");
    std::string state = ParseZpoolState(buf_);
    for (std::string_view s : kPoolStates) {
      out.Gauge("node_zfs_zpool_state", "kstat.zfs.misc.state", {{"zpool", p.name}, {"state", std::string(s)}},
                state == s ? 1 : 0);
    }
  }

  std::string base_path_;
  DirLister base_;
  std::vector<CachedFile> tables_;
  std::vector<DirEntry> entries_;
  std::vector<Pool> pools_;
  std::vector<ZfsKstat> rows_;
  std::vector<ZfsObjsetRow> objset_;
  std::vector<std::string> skipped_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateZfs(const Paths& paths) { return NewZfsCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("zfs", kEnabledByDefault, nullptr, &CreateZfs);

}  // namespace

std::unique_ptr<Collector> NewZfsCollector(const Paths& paths) { return std::make_unique<ZfsCollector>(paths); }

}  // namespace node_agent
