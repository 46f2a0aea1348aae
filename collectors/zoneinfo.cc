#include "collectors/zoneinfo.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <tuple>

namespace node_agent {

namespace {

struct FieldInfo {
  std::string_view key;  // the name in /proc/zoneinfo
  const char* metric;
  const char* help;
  bool counter;
};

constexpr FieldInfo kFields[kZoneinfoFieldCount] = {
    {"nr_free_pages", "node_zoneinfo_nr_free_pages", "Total number of free pages in the zone", false},
    {"min", "node_zoneinfo_min_pages", "Zone watermark pages_min", false},
    {"low", "node_zoneinfo_low_pages", "Zone watermark pages_low", false},
    {"high", "node_zoneinfo_high_pages", "Zone watermark pages_high", false},
    {"scanned", "node_zoneinfo_scanned_pages", "Pages scanned since last reclaim", false},
    {"spanned", "node_zoneinfo_spanned_pages", "Total pages spanned by the zone, including holes", false},
    {"present", "node_zoneinfo_present_pages", "Physical pages existing within the zone", false},
    {"managed", "node_zoneinfo_managed_pages", "Present pages managed by the buddy system", false},
    {"nr_active_anon", "node_zoneinfo_nr_active_anon_pages", "Number of anonymous pages recently more used", false},
    {"nr_inactive_anon", "node_zoneinfo_nr_inactive_anon_pages", "Number of anonymous pages recently less used",
     false},
    {"nr_isolated_anon", "node_zoneinfo_nr_isolated_anon_pages", "Temporary isolated pages from anon lru", false},
    {"nr_anon_pages", "node_zoneinfo_nr_anon_pages", "Number of anonymous pages currently used by the system", false},
    {"nr_anon_transparent_hugepages", "node_zoneinfo_nr_anon_transparent_hugepages",
     "Number of anonymous transparent huge pages currently used by the system", false},
    {"nr_active_file", "node_zoneinfo_nr_active_file_pages", "Number of active pages with file-backing", false},
    {"nr_inactive_file", "node_zoneinfo_nr_inactive_file_pages", "Number of inactive pages with file-backing", false},
    {"nr_isolated_file", "node_zoneinfo_nr_isolated_file_pages", "Temporary isolated pages from file lru", false},
    {"nr_file_pages", "node_zoneinfo_nr_file_pages", "Number of file pages", false},
    {"nr_slab_reclaimable", "node_zoneinfo_nr_slab_reclaimable_pages", "Number of reclaimable slab pages", false},
    {"nr_slab_unreclaimable", "node_zoneinfo_nr_slab_unreclaimable_pages", "Number of unreclaimable slab pages",
     false},
    {"nr_mlock_stack", "node_zoneinfo_nr_mlock_stack_pages", "mlock()ed pages found and moved off LRU", false},
    {"nr_kernel_stack", "node_zoneinfo_nr_kernel_stacks", "Number of kernel stacks", false},
    {"nr_mapped", "node_zoneinfo_nr_mapped_pages", "Number of mapped pages", false},
    {"nr_dirty", "node_zoneinfo_nr_dirty_pages", "Number of dirty pages", false},
    {"nr_writeback", "node_zoneinfo_nr_writeback_pages", "Number of writeback pages", false},
    {"nr_unevictable", "node_zoneinfo_nr_unevictable_pages", "Number of unevictable pages", false},
    {"nr_shmem", "node_zoneinfo_nr_shmem_pages", "Number of shmem pages (included tmpfs/GEM pages)", false},
    {"nr_dirtied", "node_zoneinfo_nr_dirtied_total", "Page dirtyings since bootup", true},
    {"nr_written", "node_zoneinfo_nr_written_total", "Page writings since bootup", true},
    {"numa_hit", "node_zoneinfo_numa_hit_total", "Allocated in intended node", true},
    {"numa_miss", "node_zoneinfo_numa_miss_total", "Allocated in non intended node", true},
    {"numa_foreign", "node_zoneinfo_numa_foreign_total", "Was intended here, hit elsewhere", true},
    {"numa_interleave", "node_zoneinfo_numa_interleave_total", "Interleaver preferred this zone", true},
    {"numa_local", "node_zoneinfo_numa_local_total", "Allocation from local node", true},
    {"numa_other", "node_zoneinfo_numa_other_total", "Allocation from other node", true},
};

int FieldIndex(std::string_view key) {
  for (size_t i = 0; i < kZoneinfoFieldCount; ++i) {
    if (kFields[i].key == key) return static_cast<int>(i);
  }
  return -1;
}

bool IsWordChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// procfs's `(\d+), zone\s+(\w+)`, searched anywhere in the line.
bool MatchNodeZone(std::string_view line, std::string& node, std::string& zone) {
  for (size_t at = line.find(", zone"); at != std::string_view::npos; at = line.find(", zone", at + 1)) {
    size_t start = at;
    while (start > 0 && line[start - 1] >= '0' && line[start - 1] <= '9') --start;
    if (start == at) continue;
    size_t pos = at + 6;
    size_t ws = pos;
    while (pos < line.size() && std::strchr(" \t\n\f\r", line[pos]) != nullptr && line[pos] != '\0') ++pos;
    if (pos == ws) continue;
    size_t word = pos;
    while (pos < line.size() && IsWordChar(line[pos])) ++pos;
    if (pos == word) continue;
    node = std::string(line.substr(start, at - start));
    zone = std::string(line.substr(word, pos - word));
    return true;
  }
  return false;
}

// "protection: (0, 2039, 31932)": the text between the first two colons, its
// first '(' and ')' removed, split at ", ". nullopt when a value is not a
// decimal integer (procfs then keeps the previous array).
std::optional<std::vector<int64_t>> ParseProtection(std::string_view line) {
  auto colon = line.find(':');
  std::string_view rest = line.substr(colon + 1);
  std::string text(rest.substr(0, rest.find(':')));
  if (auto p = text.find('('); p != std::string::npos) text.erase(p, 1);
  if (auto p = text.find(')'); p != std::string::npos) text.erase(p, 1);
  std::string_view values = Trim(text);
  std::vector<int64_t> out;
  while (true) {
    auto sep = values.find(", ");
    std::string_view item = values.substr(0, sep);
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || ptr != item.data() + item.size()) return std::nullopt;
    out.push_back(v);
    if (sep == std::string_view::npos) break;
    values.remove_prefix(sep + 2);
  }
  return out;
}

void ParseBlock(std::string_view block, ZoneinfoBlock& z, std::vector<std::string>& skipped) {
  std::vector<std::string_view> parts;
  for (auto line : Lines(block)) {
    if (MatchNodeZone(line, z.node, z.zone)) continue;
    std::string_view trimmed = Trim(line);
    if (trimmed.substr(0, 14) == "per-node stats") continue;
    Fields(trimmed, parts);
    if (parts.size() < 2) continue;
    if (parts[0] == "protection:") {
      if (auto p = ParseProtection(line)) {
        z.protection = std::move(*p);
      } else {
        skipped.emplace_back(trimmed);
      }
      continue;
    }
    int i = FieldIndex(parts[0]);
    if (i < 0) continue;
    auto v = ParseIntBase0(parts[1]);
    if (!v) {
      skipped.emplace_back(trimmed);
      continue;
    }
    z.fields[i] = *v;
  }
}

}  // namespace

std::optional<int64_t> ParseIntBase0(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 1 && s[0] == '0') {
    char p = static_cast<char>(s[1] | 0x20);
    if (p == 'x' || p == 'o' || p == 'b') {
      base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  uint64_t magnitude = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude, base);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (magnitude > kMax + (negative ? 1 : 0)) return std::nullopt;
  if (negative) return static_cast<int64_t>(0 - magnitude);
  return static_cast<int64_t>(magnitude);
}

std::vector<ZoneinfoBlock> ParseZoneinfo(std::string_view content, std::vector<std::string>& skipped) {
  std::vector<ZoneinfoBlock> blocks;
  while (true) {
    auto sep = content.find("\nNode");
    blocks.emplace_back();
    ParseBlock(content.substr(0, sep), blocks.back(), skipped);
    if (sep == std::string_view::npos) break;
    content.remove_prefix(sep + 5);
  }
  return blocks;
}

namespace {

class ZoneinfoCollector : public Collector {
 public:
  explicit ZoneinfoCollector(const Paths& paths) : file_(paths.Proc("zoneinfo")) {}

  void Collect(MetricSet& out) override {
    ReadOrThrow(file_, buf_, "couldn't get zoneinfo: ");
    std::vector<std::string> skipped;
    auto blocks = ParseZoneinfo(buf_, skipped);
    ReportSkipped("zoneinfo", file_.path(), skipped);
    // Each family's samples in (node, zone) order, as node_exporter's exposition sorts them.
    std::vector<size_t> order(blocks.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return std::tie(blocks[a].node, blocks[a].zone) < std::tie(blocks[b].node, blocks[b].zone);
    });
    for (size_t i : order) {
      const ZoneinfoBlock& z = blocks[i];
      for (size_t f = 0; f < kZoneinfoFieldCount; ++f) {
        if (!z.fields[f]) continue;
        out.Add(kFields[f].counter ? MetricType::Counter : MetricType::Gauge, kFields[f].metric, kFields[f].help,
                {{"node", z.node}, {"zone", z.zone}}, static_cast<double>(*z.fields[f]));
      }
      for (size_t p = 0; p < z.protection.size(); ++p) {
        out.Gauge(fmt::format("node_zoneinfo_protection_{}", p), fmt::format("Protection array {}. field", p),
                  {{"node", z.node}, {"zone", z.zone}}, static_cast<double>(z.protection[p]));
      }
    }
  }

 private:
  CachedFile file_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateZoneinfo(const Paths& paths) { return NewZoneinfoCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("zoneinfo", kDisabledByDefault, nullptr, &CreateZoneinfo);

}  // namespace

std::unique_ptr<Collector> NewZoneinfoCollector(const Paths& paths) {
  return std::make_unique<ZoneinfoCollector>(paths);
}

}  // namespace node_agent
