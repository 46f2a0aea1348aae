#include "collectors/cpu_vulnerabilities.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>
#include <vector>

namespace node_agent {

namespace {

bool IsGoSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

std::string_view TrimGoSpace(std::string_view s) {
  while (!s.empty() && IsGoSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsGoSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool HasPrefixFold(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (size_t i = 0; i < lower_prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_prefix[i]) return false;
  }
  return true;
}

// The words after the first, joined by single spaces (Go's strings.Fields).
std::string WordsAfterFirst(std::string_view s) {
  std::string out;
  bool first = true;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsGoSpace(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !IsGoSpace(s[i])) ++i;
    if (i == start) break;
    if (first) {
      first = false;
      continue;
    }
    if (!out.empty()) out += ' ';
    out.append(s.substr(start, i - start));
  }
  return out;
}

}  // namespace

CpuVulnerability ParseCpuVulnerability(std::string_view content) {
  std::string_view text = TrimGoSpace(content);
  if (HasPrefixFold(text, "not affected")) return {"not affected", ""};
  for (std::string_view state : {"vulnerable", "mitigation", "unknown"}) {
    if (HasPrefixFold(text, state)) return {std::string(state), WordsAfterFirst(text)};
  }
  return {"unknown", std::string(text)};
}

namespace {

class CpuVulnerabilitiesCollector : public Collector {
 public:
  explicit CpuVulnerabilitiesCollector(const Paths& paths)
      : dir_(paths.Sys("devices/system/cpu/vulnerabilities"), IsSysfsMount(paths.sysfs)) {}

  void Collect(MetricSet& out) override {
    // A missing directory (an old kernel) gives no series and success, as
    // node_exporter's glob matching nothing.
    if (dir_.List(entries_) != 0) return;
    for (const DirEntry& e : entries_) {
      std::string path = Paths::Join(dir_.path(), e.name);
      int err = 0;
      if (dir_.keep_open()) {
        // The live sysfs: the set of files is fixed, keep them open.
        err = files_.try_emplace(e.name, path).first->second.Read(buf_);
      } else if (!ReadFile(path, buf_, &err) && err == 0) {
        err = EIO;
      }
      if (err != 0) {
        ThrowPathError("failed to get vulnerabilities: read ", path, err);
      }
      CpuVulnerability v = ParseCpuVulnerability(buf_);
      out.Gauge("node_cpu_vulnerabilities_info",
                "Details of each CPU vulnerability reported by sysfs. The value of the series is an int "
                "encoded state of the vulnerability. The same state is stored as a string in the label",
                {{"codename", e.name}, {"mitigation", std::move(v.mitigation)}, {"state", std::move(v.state)}}, 1);
    }
  }

 private:
  DirLister dir_;
  std::vector<DirEntry> entries_;
  std::map<std::string, CachedFile, std::less<>> files_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateCpuVulnerabilities(const Paths& paths) {
  return NewCpuVulnerabilitiesCollector(paths);
}

NODE_AGENT_REGISTER_COLLECTOR("cpu_vulnerabilities", kDisabledByDefault, nullptr, &CreateCpuVulnerabilities);

}  // namespace

std::unique_ptr<Collector> NewCpuVulnerabilitiesCollector(const Paths& paths) {
  return std::make_unique<CpuVulnerabilitiesCollector>(paths);
}

}  // namespace node_agent
