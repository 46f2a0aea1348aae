#include "collectors/mdadm.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <set>
#include <stdexcept>

namespace node_agent {

namespace {

bool Contains(std::string_view s, std::string_view what) { return s.find(what) != std::string_view::npos; }

int64_t Count(std::string_view s, std::string_view what) {
  int64_t n = 0;
  for (size_t pos = s.find(what); pos != std::string_view::npos; pos = s.find(what, pos + what.size())) ++n;
  return n;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Digits at s[pos...]; returns their end (pos when none).
size_t SkipDigits(std::string_view s, size_t pos) {
  while (pos < s.size() && IsDigit(s[pos])) ++pos;
  return pos;
}

// Go's strings.Split(s, "\n"): every element, the empty last one included.
std::vector<std::string_view> SplitLines(std::string_view s) {
  std::vector<std::string_view> lines;
  for (size_t start = 0;;) {
    size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(s.substr(start));
      return lines;
    }
    lines.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
}

// "[TOTAL/ACTIVE] [UU_]" at s[pos...], procfs's statusLineRE tail.
bool MatchDiskStatus(std::string_view s, size_t pos, std::string_view& total, std::string_view& active,
                     std::string_view& map) {
  if (pos >= s.size() || s[pos] != '[') return false;
  size_t a = pos + 1, a_end = SkipDigits(s, a);
  if (a_end == a || a_end >= s.size() || s[a_end] != '/') return false;
  size_t b = a_end + 1, b_end = SkipDigits(s, b);
  if (b_end == b || s.substr(b_end, 3) != "] [") return false;
  size_t m = b_end + 3, m_end = m;
  while (m_end < s.size() && (s[m_end] == 'U' || s[m_end] == '_')) ++m_end;
  if (m_end == m || m_end >= s.size() || s[m_end] != ']') return false;
  total = s.substr(a, a_end - a);
  active = s.substr(b, b_end - b);
  map = s.substr(m, m_end - m);
  return true;
}

struct StatusLine {
  int64_t active = 0, total = 0, down = 0, size = 0;
};

// procfs's evalStatusLine: the size, and the disk counts of "[n/m] [UU]"
// after "N blocks " (the last such group, as its greedy regexp takes).
std::optional<StatusLine> EvalStatusLine(std::string_view device_line, std::string_view status_line) {
  auto fields = Fields(status_line);
  if (fields.empty()) return std::nullopt;
  auto size = ParseInt(fields[0]);
  if (!size) return std::nullopt;
  StatusLine st;
  st.size = *size;
  if (Contains(device_line, "raid0") || Contains(device_line, "linear")) {
    st.total = st.active = Count(device_line, "[");
    return st;
  }
  if (Contains(device_line, "inactive")) return st;
  size_t blocks = status_line.find(" blocks ");
  while (blocks != std::string_view::npos && (blocks == 0 || !IsDigit(status_line[blocks - 1]))) {
    blocks = status_line.find(" blocks ", blocks + 1);
  }
  if (blocks == std::string_view::npos) return std::nullopt;
  std::string_view total, active, map;
  bool found = false;
  for (size_t pos = status_line.size(); pos-- > blocks + 8;) {
    if (MatchDiskStatus(status_line, pos, total, active, map)) {
      found = true;
      break;
    }
  }
  if (!found) return std::nullopt;
  auto t = ParseInt(total), a = ParseInt(active);
  if (!t || !a) return std::nullopt;
  st.total = *t;
  st.active = *a;
  st.down = Count(map, "_");
  return st;
}

// The text that procfs's `KEY(.+)END` captures: from the first KEY to the
// last END after it (at least one character between). END of "" is any
// uppercase letter.
std::optional<std::string_view> Capture(std::string_view s, std::string_view key, std::string_view end) {
  size_t k = s.find(key);
  if (k == std::string_view::npos) return std::nullopt;
  size_t from = k + key.size();
  for (size_t pos = s.size(); pos-- > from + 1;) {
    bool hit = end.empty() ? (s[pos] >= 'A' && s[pos] <= 'Z') : s.substr(pos, end.size()) == end;
    if (hit) return s.substr(from, pos - from);
  }
  return std::nullopt;
}

// procfs's evalRecoveryLine: "(SYNCED/TOTAL)", "= PCT%", "finish=Tmin" and
// "speed=NK/sec" must all parse; only the synced blocks are exported.
std::optional<int64_t> EvalRecoveryLine(std::string_view line) {
  std::optional<int64_t> synced;
  for (size_t p = line.find('('); p != std::string_view::npos && !synced; p = line.find('(', p + 1)) {
    size_t a_end = SkipDigits(line, p + 1);
    if (a_end == p + 1 || a_end >= line.size() || line[a_end] != '/') continue;
    size_t b_end = SkipDigits(line, a_end + 1);
    if (b_end == a_end + 1 || b_end >= line.size() || line[b_end] != ')') continue;
    synced = ParseInt(line.substr(p + 1, a_end - p - 1));
    if (!synced || !ParseInt(line.substr(a_end + 1, b_end - a_end - 1))) return std::nullopt;
  }
  if (!synced) return std::nullopt;
  auto pct = Capture(line, "= ", "%");
  if (!pct || !ParseGoFloat(Trim(*pct))) return std::nullopt;
  auto finish = Capture(line, "finish=", "min");
  if (!finish || !ParseGoFloat(*finish)) return std::nullopt;
  auto speed = Capture(line, "speed=", "");
  if (!speed || !ParseGoFloat(*speed)) return std::nullopt;
  return synced;
}

// procfs's componentDeviceRE "(.*)\[(\d+)\]": the last "[N]" of a field
// must fit an int32.
bool ValidComponents(const std::vector<std::string_view>& fields, size_t start) {
  for (size_t i = start; i < fields.size(); ++i) {
    std::string_view f = fields[i];
    for (size_t pos = f.size(); pos-- > 0;) {
      if (f[pos] != '[') continue;
      size_t end = SkipDigits(f, pos + 1);
      if (end == pos + 1 || end >= f.size() || f[end] != ']') continue;
      auto v = ParseInt(f.substr(pos + 1, end - pos - 1));
      if (!v || *v > INT32_MAX) return false;
      break;
    }
  }
  return true;
}

bool IsRaidType(std::string_view word, const std::set<std::string, std::less<>>& known) {
  return word.find_first_of("([") == std::string_view::npos && known.count(word) > 0;
}

// One array: its device line at lines[i] and the lines after it.
std::optional<MdStat> ParseArray(const std::vector<std::string_view>& lines, size_t i,
                                 const std::set<std::string, std::less<>>& known) {
  std::string_view line = lines[i];
  auto f = Fields(line);
  if (f.size() < 3 || lines.size() <= i + 3) return std::nullopt;
  MdStat md;
  md.name = f[0];
  md.activity_state = f[2];
  size_t start = 0;  // procfs scans every field for components when no type is found
  if (f.size() > 3 && IsRaidType(f[3], known)) {
    start = 4;
  } else if (f.size() > 4 && IsRaidType(f[4], known)) {
    start = 5;
  }
  md.disks_failed = Count(line, "(F)");
  md.disks_spare = Count(line, "(S)");
  auto st = EvalStatusLine(line, lines[i + 1]);
  if (!st) return std::nullopt;
  md.disks_active = st->active;
  md.disks_total = st->total;
  md.disks_down = st->down;
  md.blocks_total = md.blocks_synced = st->size;
  std::string_view sync = lines[i + 2];
  if (Contains(sync, "bitmap")) sync = lines[i + 3];
  bool recovering = Contains(sync, "recovery"), reshaping = Contains(sync, "reshape");
  bool resyncing = Contains(sync, "resync"), checking = Contains(sync, "check");
  if (recovering || reshaping || resyncing || checking) {
    md.activity_state = recovering ? "recovering" : reshaping ? "reshaping" : checking ? "checking" : "resyncing";
    if (Contains(sync, "PENDING") || Contains(sync, "DELAYED")) {
      md.blocks_synced = 0;
    } else {
      auto synced = EvalRecoveryLine(sync);
      if (!synced) return std::nullopt;
      md.blocks_synced = *synced;
    }
  }
  if (!ValidComponents(f, start)) return std::nullopt;
  return md;
}

}  // namespace

std::vector<MdStat> ParseMdStat(std::string_view content, std::vector<std::string>& skipped) {
  std::vector<MdStat> arrays;
  auto lines = SplitLines(content);
  std::set<std::string, std::less<>> known;
  constexpr std::string_view kPersonalities = "Personalities : ";
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (Trim(line).empty() || line[0] == ' ' || line.starts_with("unused")) continue;
    if (known.empty() && line.starts_with(kPersonalities)) {
      for (auto word : Fields(line.substr(kPersonalities.size()))) {
        if (word.size() >= 2) known.emplace(word.substr(1, word.size() - 2));
      }
      continue;
    }
    if (auto md = ParseArray(lines, i, known)) {
      arrays.push_back(std::move(*md));
    } else {
      skipped.emplace_back(Trim(line));
    }
  }
  return arrays;
}

std::optional<double> ParseMdSyncCompleted(std::string_view value) {
  size_t slash = value.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto done = ParseUint(Trim(value.substr(0, slash)));
  auto total = ParseUint(Trim(value.substr(slash + 1)));
  if (!done || !total) return std::nullopt;
  return static_cast<double>(*done) / static_cast<double>(*total);
}

std::optional<uint64_t> ParseMdRaidDisks(std::string_view value) {
  if (auto v = ParseUint(value)) return v;
  size_t space = value.find(' ');
  if (space != std::string_view::npos && space > 0) return ParseUint(value.substr(0, space));
  return std::nullopt;
}

namespace {

// What node_exporter exports of /sys/block/mdN/md.
struct Mdraid {
  std::string device;
  std::optional<uint64_t> disks;
  uint64_t degraded = 0;
};

bool LevelIn(std::string_view level, std::initializer_list<std::string_view> levels) {
  return std::find(levels.begin(), levels.end(), level) != levels.end();
}

class MdadmCollector : public Collector {
 public:
  explicit MdadmCollector(const Paths& paths) : mdstat_(paths.Proc("mdstat")), block_(paths.Sys("block")) {}

  void Collect(MetricSet& out) override {
    if (int err = mdstat_.Read(buf_); err != 0) {
      // No md driver loaded.
      if (err == ENOENT) return out.SetNoData("Not collecting mdstat: " + mdstat_.path() + " does not exist");
      ThrowPathError("error parsing mdstatus: ", mdstat_.path(), err);
    }
    std::vector<std::string> skipped;
    auto arrays = ParseMdStat(buf_, skipped);
    ReportSkipped("mdadm", mdstat_.path(), skipped);
    for (const auto& md : arrays) AddMdStat(md, out);
    // procfs reports no array when any attribute fails to read.
    std::vector<Mdraid> raids;
    for (const auto& name : ListDir(block_)) {
      if (!name.starts_with("md") || !Exists(block_ + "/" + name + "/md")) continue;
      raids.push_back(ReadMdraid(name));
    }
    for (const auto& r : raids) {
      if (r.disks) {
        out.Gauge("node_md_raid_disks", "Number of raid disks on device.", {{"device", r.device}},
                  static_cast<double>(*r.disks));
      }
      out.Gauge("node_md_degraded", "Number of degraded disks on device.", {{"device", r.device}},
                static_cast<double>(r.degraded));
    }
  }

 private:
  static void AddMdStat(const MdStat& md, MetricSet& out) {
    auto gauge = [&](std::string_view name, std::string_view help, Labels labels, double v) {
      out.Gauge(name, help, std::move(labels), v);
    };
    gauge("node_md_disks_required", "Total number of disks of device.", {{"device", md.name}},
          static_cast<double>(md.disks_total));
    const char* disks_help = "Number of active/failed/spare disks of device.";
    gauge("node_md_disks", disks_help, {{"device", md.name}, {"state", "active"}}, static_cast<double>(md.disks_active));
    gauge("node_md_disks", disks_help, {{"device", md.name}, {"state", "failed"}}, static_cast<double>(md.disks_failed));
    gauge("node_md_disks", disks_help, {{"device", md.name}, {"state", "spare"}}, static_cast<double>(md.disks_spare));
    // The state label's values and the activity states they stand for.
    constexpr std::pair<std::string_view, std::string_view> kStates[] = {
        {"active", "active"}, {"inactive", "inactive"}, {"recovering", "recovering"},
        {"resync", "resyncing"}, {"check", "checking"}};
    for (const auto& [label, state] : kStates) {
      gauge("node_md_state", "Indicates the state of md-device.", {{"device", md.name}, {"state", std::string(label)}},
            md.activity_state == state ? 1 : 0);
    }
    gauge("node_md_blocks", "Total number of blocks on device.", {{"device", md.name}},
          static_cast<double>(md.blocks_total));
    gauge("node_md_blocks_synced", "Number of blocks synced on device.", {{"device", md.name}},
          static_cast<double>(md.blocks_synced));
  }

  // An attribute procfs requires: a missing one is node_exporter's ErrNoData.
  std::string Require(const std::string& path) {
    std::string content;
    int err = 0;
    if (!ReadFile(path, content, &err)) {
      if (err == ENOENT) throw NoDataError("Not collecting mdraids: " + path + " does not exist");
      ThrowPathError("error parsing mdraids: ", path, err);
    }
    return std::string(Trim(content));
  }

  uint64_t RequireUint(const std::string& path) {
    std::string v = Require(path);
    auto n = ParseUint(v);
    if (!n) throw std::runtime_error(fmt::format("error parsing mdraids: {}: not a number: {}", path, v));
    return *n;
  }

  Mdraid ReadMdraid(const std::string& name) {
    std::string dir = block_ + "/" + name + "/md/";
    Mdraid r;
    r.device = name;
    std::string level = Require(dir + "level");
    Require(dir + "array_state");
    Require(dir + "metadata_version");
    if (!level.empty() && !LevelIn(level, {"container", "imsm", "ddf"})) {
      r.disks = ParseMdRaidDisks(Require(dir + "raid_disks"));
    }
    Require(dir + "uuid");
    for (const auto& entry : ListDir(dir)) {
      if (entry.starts_with("dev-")) Require(dir + entry + "/state");
    }
    if (LevelIn(level, {"raid0", "raid4", "raid5", "raid6", "raid10"})) RequireUint(dir + "chunk_size");
    if (LevelIn(level, {"raid1", "raid4", "raid5", "raid6", "raid10"})) {
      r.degraded = RequireUint(dir + "degraded");
      Require(dir + "sync_action");
      std::string completed = Require(dir + "sync_completed");
      if (completed != "none" && !ParseMdSyncCompleted(completed)) {
        throw std::runtime_error(fmt::format("error parsing mdraids: {}sync_completed: {}", dir, completed));
      }
    }
    return r;
  }

  CachedFile mdstat_;
  std::string block_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateMdadm(const Paths& paths) { return NewMdadmCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("mdadm", kEnabledByDefault, nullptr, &CreateMdadm);

}  // namespace

std::unique_ptr<Collector> NewMdadmCollector(const Paths& paths) { return std::make_unique<MdadmCollector>(paths); }

}  // namespace node_agent
