#include "collectors/bcache.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "lib/sysfs_link.h"
#include "lib/sysfs_value.h"

namespace node_agent {

namespace {

std::string_view TrimSuffix(std::string_view s, std::string_view suffix) {
  if (s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix) s.remove_suffix(suffix.size());
  return s;
}

bool HasPrefix(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// procfs's parsePseudoFloat: "a.b" is a + b/10.24; anything after a second
// dot is ignored.
std::optional<double> ParsePseudoFloat(std::string_view s) {
  size_t dot = s.find('.');
  auto int_part = ParseGoFloat(s.substr(0, dot));
  if (!int_part) return std::nullopt;
  if (dot == std::string_view::npos) return int_part;
  std::string_view frac = s.substr(dot + 1);
  frac = frac.substr(0, frac.find('.'));
  auto frac_part = ParseGoFloat(frac);
  if (!frac_part) return std::nullopt;
  return *int_part + *frac_part / 10.24;
}

double Multiplier(unsigned char unit) {
  switch (unit) {
    case 'k': return 1024.0;
    case 'M': return 1048576.0;
    case 'G': return 1073741824.0;
    case 'T': return 1099511627776.0;
    case 'P': return 1125899906842624.0;
    case 'E': return 1152921504606846976.0;
    case 'Z': return 1180591620717411303424.0;
    case 'Y': return 1208925819614629174706176.0;
    default: return 0;  // procfs: a missing map entry
  }
}

// The last white-space separated field of a line.
std::string_view LastField(std::string_view line) {
  auto fields = Fields(line);
  return fields.empty() ? std::string_view() : fields.back();
}

}  // namespace

std::optional<uint64_t> BcacheDehumanize(std::string_view s) {
  if (s.empty()) return std::nullopt;
  auto last = static_cast<unsigned char>(s.back());
  std::optional<double> mant;
  double mul = 1;
  if (last > '9') {
    s.remove_suffix(1);
    mul = Multiplier(last);
    mant = ParsePseudoFloat(s);
  } else {
    mant = ParseGoFloat(s);
  }
  if (!mant) return std::nullopt;
  return GoFloatToUint64(*mant * mul);
}

std::optional<int64_t> BcacheDehumanizeSigned(std::string_view s) {
  bool negative = HasPrefix(s, "-");
  auto v = BcacheDehumanize(negative ? s.substr(1) : s);
  if (!v) return std::nullopt;
  return static_cast<int64_t>(negative ? uint64_t{0} - *v : *v);
}

std::optional<uint64_t> ParseBcacheValue(std::string_view content) {
  if (content.empty()) return std::nullopt;
  content.remove_suffix(1);
  return BcacheDehumanize(content);
}

BcacheWritebackRate ParseBcacheWritebackRateDebug(std::string_view content, std::vector<std::string>& skipped) {
  BcacheWritebackRate r;
  for (std::string_view line : Lines(content)) {
    line = TrimSuffix(line, "\r");
    bool ok = true;
    auto unsigned_field = [&](std::optional<uint64_t>& out, std::string_view suffix) {
      out = BcacheDehumanize(TrimSuffix(LastField(line), suffix));
      ok = out.has_value();
    };
    auto signed_field = [&](std::optional<int64_t>& out, std::string_view suffix) {
      out = BcacheDehumanizeSigned(TrimSuffix(LastField(line), suffix));
      ok = out.has_value();
    };
    if (HasPrefix(line, "rate:")) unsigned_field(r.rate, "/sec");
    else if (HasPrefix(line, "target:")) unsigned_field(r.target, "");
    else if (HasPrefix(line, "proportional:")) signed_field(r.proportional, "");
    else if (HasPrefix(line, "integral:")) signed_field(r.integral, "");
    else if (HasPrefix(line, "change:")) signed_field(r.change, "/sec");
    if (!ok) skipped.emplace_back(line);
  }
  return r;
}

BcachePriorityStats ParseBcachePriorityStats(std::string_view content, std::vector<std::string>& skipped) {
  BcachePriorityStats p;
  for (std::string_view line : Lines(content)) {
    line = TrimSuffix(line, "\r");
    std::optional<uint64_t>* out = HasPrefix(line, "Unused:")     ? &p.unused_percent
                                   : HasPrefix(line, "Metadata:") ? &p.metadata_percent
                                                                  : nullptr;
    if (!out) continue;
    *out = ParseUint(TrimSuffix(LastField(line), "%"));
    if (!*out) skipped.emplace_back(line);
  }
  return p;
}

namespace {

// A single-value file and its series.
struct ValueDef {
  std::string_view file;
  MetricType type;
  std::string_view name;
  std::string_view help;
  double scale = 1;
  bool omit_zero = false;  // node_exporter leaves the series out when 0
};

// /sys/fs/bcache/<uuid>/ and its internal/.
constexpr ValueDef kSetValues[] = {
    {"average_key_size", MetricType::Gauge, "node_bcache_average_key_size_sectors",
     "Average data per key in the btree (sectors)."},
    {"btree_cache_size", MetricType::Gauge, "node_bcache_btree_cache_size_bytes",
     "Amount of memory currently used by the btree cache."},
    {"cache_available_percent", MetricType::Gauge, "node_bcache_cache_available_percent",
     "Percentage of cache device without dirty data, usable for writeback (may contain clean cached data)."},
    {"congested", MetricType::Gauge, "node_bcache_congested", "Congestion."},
    {"root_usage_percent", MetricType::Gauge, "node_bcache_root_usage_percent",
     "Percentage of the root btree node in use (tree depth increases if too high)."},
    {"tree_depth", MetricType::Gauge, "node_bcache_tree_depth", "Depth of the btree."},
    {"internal/active_journal_entries", MetricType::Gauge, "node_bcache_active_journal_entries",
     "Number of journal entries that are newer than the index."},
    {"internal/btree_nodes", MetricType::Gauge, "node_bcache_btree_nodes", "Total nodes in the btree."},
    // procfs stores the microsecond file as "nanoseconds" and node_exporter
    // scales that by 1e-9: kept as node_exporter exports it.
    {"internal/btree_read_average_duration_us", MetricType::Gauge, "node_bcache_btree_read_average_duration_seconds",
     "Average btree read duration.", 1e-9},
    {"internal/cache_read_races", MetricType::Counter, "node_bcache_cache_read_races_total",
     "Counts instances where while data was being read from the cache, the bucket was reused and invalidated - i.e. "
     "where the pointer was stale after the read completed."},
};

// <backing device>/stats_total/.
constexpr ValueDef kBdevTotals[] = {
    {"stats_total/bypassed", MetricType::Counter, "node_bcache_bypassed_bytes_total",
     "Amount of IO (both reads and writes) that has bypassed the cache."},
    {"stats_total/cache_hits", MetricType::Counter, "node_bcache_cache_hits_total",
     "Hits counted per individual IO as bcache sees them."},
    {"stats_total/cache_misses", MetricType::Counter, "node_bcache_cache_misses_total",
     "Misses counted per individual IO as bcache sees them."},
    {"stats_total/cache_bypass_hits", MetricType::Counter, "node_bcache_cache_bypass_hits_total",
     "Hits for IO intended to skip the cache."},
    {"stats_total/cache_bypass_misses", MetricType::Counter, "node_bcache_cache_bypass_misses_total",
     "Misses for IO intended to skip the cache."},
    {"stats_total/cache_miss_collisions", MetricType::Counter, "node_bcache_cache_miss_collisions_total",
     "Instances where data insertion from cache miss raced with write (data already present)."},
    {"stats_total/cache_readaheads", MetricType::Counter, "node_bcache_cache_readaheads_total",
     "Count of times readahead occurred.", 1, true},
};

constexpr ValueDef kCacheValues[] = {
    {"io_errors", MetricType::Gauge, "node_bcache_io_errors",
     "Number of errors that have occurred, decayed by io_error_halflife."},
    {"metadata_written", MetricType::Counter, "node_bcache_metadata_written_bytes_total",
     "Sum of all non data writes (btree writes and all other metadata)."},
    {"written", MetricType::Counter, "node_bcache_written_bytes_total",
     "Sum of all data that has been written to the cache."},
};

BcacheOptions g_options;

void AddBcacheFlags(CLI::App& app) {
  app.add_flag("--collector.bcache.priorityStats,!--no-collector.bcache.priorityStats", g_options.priority_stats,
               "Expose expensive priority stats.")
      ->group("bcache collector");
}

// Whether `name` matches the glob PREFIX[0-9]*.
bool MatchesNumbered(std::string_view name, std::string_view prefix) {
  return name.size() > prefix.size() && HasPrefix(name, prefix) && name[prefix.size()] >= '0' &&
         name[prefix.size()] <= '9';
}

class BcacheCollector : public Collector {
 public:
  BcacheCollector(const Paths& paths, const BcacheOptions& options)
      : root_(paths.Sys("fs/bcache"), IsSysfsMount(paths.sysfs)), options_(options) {}

  void Collect(MetricSet& out) override {
    // A node without bcache has no fs/bcache: the listing fails and, as a
    // glob without matches in node_exporter, yields nothing.
    if (root_.List(sets_) != 0) return;
    skipped_.clear();
    for (const DirEntry& set : sets_) {
      if (set.name.find('-') == std::string::npos) continue;  // procfs: fs/bcache/*-*
      CollectSet(root_.path() + "/" + set.name, set.name, out);
    }
  }

 private:
  void CollectSet(const std::string& dir, const std::string& uuid, MetricSet& out) {
    for (const ValueDef& def : kSetValues) Emit(def, dir, {{"uuid", uuid}}, out);
    DirLister lister(dir, false);
    if (int err = lister.List(members_); err != 0) Fail(err, dir);
    for (const DirEntry& m : members_) {
      if (!MatchesNumbered(m.name, "bdev")) continue;
      std::string bdev = EntryDir(dir + "/" + m.name, m.type);
      Labels labels{{"uuid", uuid}, {"backing_device", m.name}};
      Emit({"dirty_data", MetricType::Gauge, "node_bcache_dirty_data_bytes",
            "Amount of dirty data for this backing device in the cache."},
           bdev, labels, out);
      AddWritebackRate(bdev + "/writeback_rate_debug", labels, out);
      for (const ValueDef& def : kBdevTotals) Emit(def, bdev, labels, out);
    }
    for (const DirEntry& m : members_) {
      if (!MatchesNumbered(m.name, "cache")) continue;
      std::string cache = EntryDir(dir + "/" + m.name, m.type);
      Labels labels{{"uuid", uuid}, {"cache_device", m.name}};
      for (const ValueDef& def : kCacheValues) Emit(def, cache, labels, out);
      if (options_.priority_stats) AddPriorityStats(cache + "/priority_stats", labels, out);
    }
    ReportSkipped("bcache", dir, skipped_);
  }

  [[noreturn]] static void Fail(int err, const std::string& path) {
    throw std::runtime_error(fmt::format("failed to retrieve bcache stats: failed to read: {}: {}", path,
                                         std::strerror(err)));
  }

  // procfs's readValue: a missing file reads 0, an unreadable one fails the
  // scrape; a value that does not parse is skipped here.
  void Emit(const ValueDef& def, const std::string& dir, const Labels& labels, MetricSet& out) {
    std::string path = fmt::format("{}/{}", dir, def.file);
    int err = 0;
    std::optional<uint64_t> v = 0;
    if (ReadFile(path, buf_, &err)) {
      v = ParseBcacheValue(buf_);
      if (!v) skipped_.push_back(fmt::format("{}: {}", def.file, Trim(buf_)));
    } else if (err != ENOENT) {
      Fail(err, path);
    }
    if (!v || (def.omit_zero && *v == 0)) return;
    out.Add(def.type, def.name, def.help, labels, static_cast<double>(*v) * def.scale);
  }

  void AddWritebackRate(const std::string& path, const Labels& labels, MetricSet& out) {
    int err = 0;
    if (!ReadFile(path, buf_, &err)) Fail(err, path);  // procfs: even when missing
    BcacheWritebackRate r = ParseBcacheWritebackRateDebug(buf_, skipped_);
    auto gauge = [&](std::string_view name, std::string_view help, auto v) {
      if (v) out.Gauge(name, help, labels, static_cast<double>(*v));
    };
    gauge("node_bcache_dirty_target_bytes", "Current dirty data target threshold for this backing device in bytes.",
          r.target);
    gauge("node_bcache_writeback_rate", "Current writeback rate for this backing device in bytes.", r.rate);
    gauge("node_bcache_writeback_rate_proportional_term",
          "Current result of proportional controller, part of writeback rate", r.proportional);
    gauge("node_bcache_writeback_rate_integral_term", "Current result of integral controller, part of writeback rate",
          r.integral);
    gauge("node_bcache_writeback_change", "Last writeback rate change step for this backing device.", r.change);
  }

  void AddPriorityStats(const std::string& path, const Labels& labels, MetricSet& out) {
    int err = 0;
    if (!ReadFile(path, buf_, &err)) Fail(err, path);
    BcachePriorityStats p = ParseBcachePriorityStats(buf_, skipped_);
    if (p.unused_percent) {
      out.Gauge("node_bcache_priority_stats_unused_percent", "The percentage of the cache that doesn't contain any data.",
                labels, static_cast<double>(*p.unused_percent));
    }
    if (p.metadata_percent) {
      out.Gauge("node_bcache_priority_stats_metadata_percent", "Bcache's metadata overhead.", labels,
                static_cast<double>(*p.metadata_percent));
    }
  }

  DirLister root_;
  BcacheOptions options_;
  std::vector<DirEntry> sets_, members_;
  std::vector<std::string> skipped_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateBcache(const Paths& paths) { return NewBcacheCollector(paths, g_options); }

NODE_AGENT_REGISTER_COLLECTOR("bcache", kEnabledByDefault, &AddBcacheFlags, &CreateBcache);

}  // namespace

std::unique_ptr<Collector> NewBcacheCollector(const Paths& paths, const BcacheOptions& options) {
  return std::make_unique<BcacheCollector>(paths, options);
}

}  // namespace node_agent
