#include "collectors/lnstat.h"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace node_agent {

std::vector<LnstatColumn> ParseLnstat(std::string_view content, std::vector<std::string>& skipped) {
  std::vector<LnstatColumn> columns;
  auto lines = Lines(content);
  if (lines.empty()) return columns;
  std::vector<std::string_view> f;
  Fields(lines[0], f);
  // Header position -> column, merging repeated names.
  std::vector<size_t> column_of;
  for (auto name : f) {
    size_t c = 0;
    while (c < columns.size() && columns[c].name != name) ++c;
    if (c == columns.size()) columns.push_back({std::string(name), {}});
    column_of.push_back(c);
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    Fields(lines[i], f);
    for (size_t k = 0; k < f.size(); ++k) {
      auto v = k < column_of.size() ? ParseUint(f[k], 16) : std::nullopt;
      if (!v) {
        skipped.emplace_back(Trim(lines[i]));
        break;
      }
      columns[column_of[k]].values.push_back(*v);
    }
  }
  return columns;
}

namespace {

// A header that cannot form a metric name is left out rather than exported
// under an invalid name.
bool ValidNamePart(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':')) return false;
  }
  return true;
}

class LnstatCollector : public Collector {
 public:
  explicit LnstatCollector(const Paths& paths) : dir_(paths.Proc("net/stat")) {}

  void Collect(MetricSet& out) override {
    // ListDir is sorted, like the Glob node_exporter reads the files by; a
    // missing directory gives no files and no series, as there.
    for (const auto& name : ListDir(dir_)) {
      std::string path = dir_ + "/" + name;
      if (IsDir(path)) continue;
      int err = 0;
      if (!ReadFile(path, buf_, &err)) {
        throw std::runtime_error(fmt::format("lnstat error: {}: {}", path, std::strerror(err)));
      }
      std::vector<std::string> skipped;
      auto columns = ParseLnstat(buf_, skipped);
      for (const auto& column : columns) {
        if (!ValidNamePart(column.name)) {
          skipped.push_back("header " + column.name);
          continue;
        }
        std::string metric = "node_lnstat_" + column.name + "_total";
        for (size_t cpu = 0; cpu < column.values.size(); ++cpu) {
          out.Counter(metric, "linux network cache stats", {{"cpu", std::to_string(cpu)}, {"subsystem", name}},
                      static_cast<double>(column.values[cpu]));
        }
      }
      ReportSkipped("lnstat", path, skipped);
    }
  }

 private:
  std::string dir_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateLnstat(const Paths& paths) { return NewLnstatCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("lnstat", kDisabledByDefault, nullptr, &CreateLnstat);

}  // namespace

std::unique_ptr<Collector> NewLnstatCollector(const Paths& paths) { return std::make_unique<LnstatCollector>(paths); }

}  // namespace node_agent
