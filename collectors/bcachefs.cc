#include "collectors/bcachefs.h"

#include <dirent.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "lib/sysfs_value.h"

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

std::string_view TrimColonSuffix(std::string_view s) {
  if (!s.empty() && s.back() == ':') s.remove_suffix(1);
  return s;
}

bool IsMetricNameChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

}  // namespace

std::optional<uint64_t> ParseBcachefsHumanBytes(std::string_view s) {
  s = Trim(s);
  if (s.empty()) return std::nullopt;
  double multiplier = 1;
  switch (s.back()) {
    case 'k': case 'K': multiplier = 1024.0; break;
    case 'm': case 'M': multiplier = 1048576.0; break;
    case 'g': case 'G': multiplier = 1073741824.0; break;
    case 't': case 'T': multiplier = 1099511627776.0; break;
    case 'p': case 'P': multiplier = 1125899906842624.0; break;
    case 'e': case 'E': multiplier = 1152921504606846976.0; break;
    default: break;
  }
  if (multiplier != 1) s.remove_suffix(1);
  auto value = ParseGoFloat(Trim(s));
  if (!value) return std::nullopt;
  return GoFloatToUint64(*value * multiplier);
}

std::string SanitizeBcachefsCounterName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  size_t i = 0;
  while (i < name.size()) {
    // A match starts here when the underscores from here are followed by at
    // least one character outside [0-9A-Za-z_]; it takes the underscores
    // after those too.
    size_t j = i;
    while (j < name.size() && name[j] == '_') ++j;
    size_t k = j;
    while (k < name.size() && !IsMetricNameChar(name[k])) ++k;
    if (k == j) {
      out.push_back(name[i++]);
      continue;
    }
    while (k < name.size() && name[k] == '_') ++k;
    out.push_back('_');
    i = k;
  }
  return out;
}

std::map<std::string, BcachefsCompression> ParseBcachefsCompressionStats(std::string_view content,
                                                                          std::vector<std::string>& skipped) {
  std::map<std::string, BcachefsCompression> stats;
  auto lines = ScanLines(content);
  for (size_t n = 1; n < lines.size(); ++n) {  // the first line is the header
    auto f = Fields(lines[n]);
    if (f.size() < 3) continue;
    auto compressed = ParseBcachefsHumanBytes(f[1]);
    auto uncompressed = ParseBcachefsHumanBytes(f[2]);
    if (!compressed || !uncompressed || (f.size() >= 4 && !ParseBcachefsHumanBytes(f[3]))) {
      skipped.emplace_back(lines[n]);
      continue;
    }
    stats[std::string(TrimColonSuffix(f[0]))] = {*compressed, *uncompressed};
  }
  return stats;
}

std::map<std::string, uint64_t> ParseBcachefsErrors(std::string_view content, std::vector<std::string>& skipped) {
  std::map<std::string, uint64_t> stats;
  for (std::string_view line : ScanLines(content)) {
    auto f = Fields(line);
    if (f.size() < 2) continue;
    auto count = ParseUint(f[1]);
    if (!count || (f.size() >= 3 && !ParseUint(f[2]))) {
      skipped.emplace_back(line);
      continue;
    }
    stats[std::string(f[0])] = *count;
  }
  return stats;
}

std::optional<uint64_t> ParseBcachefsCounter(std::string_view content) {
  constexpr std::string_view kMount = "since mount:", kCreation = "since filesystem creation:";
  bool seen = false;
  uint64_t since_creation = 0;
  for (std::string_view line : ScanLines(content)) {
    bool creation = line.substr(0, kCreation.size()) == kCreation;
    if (!creation && line.substr(0, kMount.size()) != kMount) continue;
    auto v = ParseBcachefsHumanBytes(line.substr(creation ? kCreation.size() : kMount.size()));
    if (!v) return std::nullopt;
    if (creation) since_creation = *v;
    seen = true;
  }
  if (!seen) return std::nullopt;
  return since_creation;
}

std::map<std::string, BcachefsBtreeWrites> ParseBcachefsBtreeWriteStats(std::string_view content,
                                                                         std::vector<std::string>& skipped) {
  std::map<std::string, BcachefsBtreeWrites> stats;
  auto lines = ScanLines(content);
  for (size_t n = 1; n < lines.size(); ++n) {  // the first line is the header
    auto f = Fields(lines[n]);
    if (f.size() < 3) continue;
    auto count = ParseUint(f[1]);
    auto size = ParseBcachefsHumanBytes(f[2]);
    if (!count || !size) {
      skipped.emplace_back(lines[n]);
      continue;
    }
    stats[std::string(TrimColonSuffix(f[0]))] = {*count, *size};
  }
  return stats;
}

namespace {

// "key : value" with both sides trimmed; nullopt without a colon.
std::optional<std::pair<std::string_view, std::string_view>> SplitKeyValue(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::pair{Trim(line.substr(0, colon)), Trim(line.substr(colon + 1))};
}

}  // namespace

std::map<std::string, std::map<std::string, uint64_t>> ParseBcachefsIoDone(std::string_view content,
                                                                            std::vector<std::string>& skipped) {
  std::map<std::string, std::map<std::string, uint64_t>> stats;
  std::map<std::string, uint64_t>* op = nullptr;
  for (std::string_view raw : ScanLines(content)) {
    std::string_view line = Trim(raw);
    if (line.empty()) continue;
    if (line == "read:" || line == "write:") {
      op = &stats[std::string(TrimColonSuffix(line))];
      continue;
    }
    if (!op) continue;
    auto kv = SplitKeyValue(line);
    if (!kv) continue;
    auto value = ParseUint(kv->second);
    if (!value) {
      skipped.emplace_back(line);
      continue;
    }
    (*op)[std::string(kv->first)] = *value;
  }
  return stats;
}

std::map<std::string, uint64_t> ParseBcachefsIoErrors(std::string_view content, std::vector<std::string>& skipped) {
  std::map<std::string, uint64_t> stats;
  bool in_creation = false;
  for (std::string_view line : ScanLines(content)) {
    if (line.substr(0, 35) == "IO errors since filesystem creation") {
      in_creation = true;
      continue;
    }
    if (line.substr(0, 16) == "IO errors since ") break;
    if (!in_creation) continue;
    std::string_view trimmed = Trim(line);
    if (trimmed.empty()) continue;
    auto kv = SplitKeyValue(trimmed);
    if (!kv) continue;
    auto value = ParseUint(kv->second);
    if (!value) {
      skipped.emplace_back(trimmed);
      continue;
    }
    stats[std::string(kv->first)] = *value;
  }
  return stats;
}

namespace {

class BcachefsCollector : public Collector {
 public:
  explicit BcachefsCollector(const Paths& paths) : root_(paths.Sys("fs/bcachefs"), IsSysfsMount(paths.sysfs)) {}

  void Collect(MetricSet& out) override {
    // The one check on a node without bcachefs: the fs/bcachefs listing.
    if (int err = root_.List(entries_); err != 0) {
      if (err == ENOENT) return out.SetNoData("bcachefs sysfs path does not exist");
      throw std::runtime_error(fmt::format("failed to retrieve bcachefs stats: open {}: {}", root_.path(),
                                           std::strerror(err)));
    }
    size_t filesystems = 0;
    skipped_.clear();
    for (const DirEntry& e : entries_) {
      if (e.type != DT_DIR) continue;
      ++filesystems;
      CollectFs(root_.path() + "/" + e.name, e.name, out);
    }
    ReportSkipped("bcachefs", root_.path(), skipped_);
    if (filesystems == 0) return out.SetNoData("no bcachefs file systems");
  }

 private:
  [[noreturn]] static void Fail(int err, const std::string& path) {
    throw std::runtime_error(
        fmt::format("failed to retrieve bcachefs stats: {}: {}", path, std::strerror(err)));
  }

  // procfs's readFile/openIfExists: a missing file is empty, an unreadable
  // one fails the scrape.
  std::string Read(const std::string& path) {
    std::string content;
    int err = 0;
    if (!ReadFile(path, content, &err) && err != ENOENT) Fail(err, path);
    return content;
  }

  void CollectFs(const std::string& dir, const std::string& uuid, MetricSet& out);
  void CollectCounters(const std::string& dir, const std::string& uuid, MetricSet& out);
  void CollectDevice(const std::string& dir, const std::string& uuid, const std::string& device, MetricSet& out);

  DirLister root_;
  std::vector<DirEntry> entries_, files_;
  std::vector<std::string> skipped_;
};

void BcachefsCollector::CollectFs(const std::string& dir, const std::string& uuid, MetricSet& out) {
  const Labels fs{{"uuid", uuid}};
  out.Gauge("node_bcachefs_info", "Filesystem information.", fs, 1);
  std::string cache = std::string(Trim(Read(dir + "/btree_cache_size")));
  auto cache_bytes = cache.empty() ? std::optional<uint64_t>(0) : ParseBcachefsHumanBytes(cache);
  if (cache_bytes) {
    out.Gauge("node_bcachefs_btree_cache_size_bytes", "Btree cache memory usage in bytes.", fs,
              static_cast<double>(*cache_bytes));
  } else {
    skipped_.push_back(uuid + "/btree_cache_size: " + cache);
  }
  for (const auto& [alg, c] : ParseBcachefsCompressionStats(Read(dir + "/compression_stats"), skipped_)) {
    out.Gauge("node_bcachefs_compression_compressed_bytes", "Compressed size by algorithm.",
              {{"uuid", uuid}, {"algorithm", alg}}, static_cast<double>(c.compressed));
    out.Gauge("node_bcachefs_compression_uncompressed_bytes", "Uncompressed size by algorithm.",
              {{"uuid", uuid}, {"algorithm", alg}}, static_cast<double>(c.uncompressed));
  }
  for (const auto& [type, count] : ParseBcachefsErrors(Read(dir + "/errors"), skipped_)) {
    out.Counter("node_bcachefs_errors_total", "Error count by error type.", {{"uuid", uuid}, {"error_type", type}},
                static_cast<double>(count));
  }
  CollectCounters(dir + "/counters", uuid, out);
  for (const auto& [type, w] : ParseBcachefsBtreeWriteStats(Read(dir + "/btree_write_stats"), skipped_)) {
    out.Counter("node_bcachefs_btree_writes_total", "Number of btree writes by type.",
                {{"uuid", uuid}, {"type", type}}, static_cast<double>(w.count));
    out.Gauge("node_bcachefs_btree_write_average_size_bytes", "Average btree write size by type.",
              {{"uuid", uuid}, {"type", type}}, static_cast<double>(w.size_bytes));
  }
  DirLister lister(dir, false);
  std::vector<DirEntry> members;
  if (int err = lister.List(members); err != 0) Fail(err, dir);
  for (const DirEntry& d : members) {
    if (d.type == DT_DIR && d.name.compare(0, 4, "dev-") == 0) {
      CollectDevice(dir + "/" + d.name, uuid, d.name.substr(4), out);
    }
  }
}

void BcachefsCollector::CollectCounters(const std::string& dir, const std::string& uuid, MetricSet& out) {
  DirLister lister(dir, false);
  if (int err = lister.List(files_); err != 0) {
    if (err == ENOENT) return;
    Fail(err, dir);
  }
  for (const DirEntry& f : files_) {
    if (f.type == DT_DIR) continue;
    std::string content;
    int err = 0;
    std::optional<uint64_t> value = 0;  // procfs: a file gone since the listing reads as zeros
    if (ReadFile(dir + "/" + f.name, content, &err)) {
      value = ParseBcachefsCounter(content);
    } else if (err != ENOENT) {
      Fail(err, dir + "/" + f.name);
    }
    if (!value) {
      skipped_.push_back(uuid + "/counters/" + f.name);
      continue;
    }
    out.Counter(fmt::format("node_bcachefs_{}_total", SanitizeBcachefsCounterName(f.name)),
                fmt::format("Bcachefs counter {} since filesystem creation.", f.name), {{"uuid", uuid}},
                static_cast<double>(*value));
  }
}

void BcachefsCollector::CollectDevice(const std::string& dir, const std::string& uuid, const std::string& device,
                                      MetricSet& out) {
  // label and state: any read error leaves them empty, as in procfs.
  auto attr = [&](const char* name) {
    auto v = ReadFile(dir + "/" + name);
    return v ? std::string(Trim(*v)) : std::string();
  };
  // bucket_size: unreadable or empty reads 0; nbuckets and durability: a
  // missing file reads 0. A value that does not parse skips the device
  // (procfs fails the file system).
  auto raw_bucket = ReadFile(dir + "/bucket_size");
  std::string bucket_text(raw_bucket ? Trim(*raw_bucket) : std::string_view());
  std::optional<uint64_t> bucket_size = bucket_text.empty() ? 0 : ParseBcachefsHumanBytes(bucket_text);
  if (!bucket_size) skipped_.push_back(fmt::format("{}/dev-{}/bucket_size: {}", uuid, device, bucket_text));
  auto decimal = [&](const char* name) -> std::optional<uint64_t> {
    std::string path = dir + "/" + name, content;
    int err = 0;
    if (!ReadFile(path, content, &err)) {
      if (err == ENOENT) return 0;
      Fail(err, path);
    }
    auto v = ParseSysfsDecimal(content);
    if (!v) skipped_.push_back(fmt::format("{}/dev-{}/{}: {}", uuid, device, name, Trim(content)));
    return v;
  };
  auto buckets = decimal("nbuckets");
  auto durability = decimal("durability");
  if (!bucket_size || !buckets || !durability) return;  // procfs fails on these; skip the device
  const Labels dev{{"uuid", uuid}, {"device", device}};
  out.Gauge("node_bcachefs_device_info", "Device information.",
            {{"uuid", uuid}, {"device", device}, {"label", attr("label")}, {"state", attr("state")}}, 1);
  out.Gauge("node_bcachefs_device_bucket_size_bytes", "Bucket size in bytes.", dev, static_cast<double>(*bucket_size));
  out.Gauge("node_bcachefs_device_buckets", "Total number of buckets.", dev, static_cast<double>(*buckets));
  out.Gauge("node_bcachefs_device_durability", "Device durability setting.", dev, static_cast<double>(*durability));
  for (const auto& [op, types] : ParseBcachefsIoDone(Read(dir + "/io_done"), skipped_)) {
    for (const auto& [type, bytes] : types) {
      out.Counter("node_bcachefs_device_io_done_bytes_total", "IO bytes by operation type and data type.",
                  {{"uuid", uuid}, {"device", device}, {"operation", op}, {"data_type", type}},
                  static_cast<double>(bytes));
    }
  }
  for (const auto& [type, count] : ParseBcachefsIoErrors(Read(dir + "/io_errors"), skipped_)) {
    out.Counter("node_bcachefs_device_io_errors_total", "IO errors by error type.",
                {{"uuid", uuid}, {"device", device}, {"type", type}}, static_cast<double>(count));
  }
}

std::unique_ptr<Collector> CreateBcachefs(const Paths& paths) { return NewBcachefsCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("bcachefs", kEnabledByDefault, nullptr, &CreateBcachefs);

}  // namespace

std::unique_ptr<Collector> NewBcachefsCollector(const Paths& paths) {
  return std::make_unique<BcachefsCollector>(paths);
}

}  // namespace node_agent
