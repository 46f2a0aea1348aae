#include "collectors/slabinfo.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>

#include "lib/device_filter.h"

namespace node_agent {

namespace {

bool IsGoSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

// procfs's regexp `\s+` -> " " followed by strings.Split(line, " ").
void SplitLikeProcfs(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  size_t i = 0;
  while (true) {
    size_t start = i;
    while (i < line.size() && !IsGoSpace(line[i])) ++i;
    out.push_back(line.substr(start, i - start));
    if (i == line.size()) break;
    while (i < line.size() && IsGoSpace(line[i])) ++i;
  }
}

std::optional<Slab> ParseSlabLine(const std::vector<std::string_view>& s) {
  if (s.size() != 16) return std::nullopt;
  // procfs also requires the tunables and slabdata numbers to be integers.
  for (size_t i : {8, 9, 10, 13, 14, 15}) {
    if (!ParseInt(s[i])) return std::nullopt;
  }
  Slab slab;
  slab.name = std::string(s[0]);
  int64_t* values[] = {&slab.active_objs, &slab.num_objs, &slab.obj_size, &slab.obj_per_slab, &slab.pages_per_slab};
  for (size_t i = 0; i < 5; ++i) {
    auto v = ParseInt(s[i + 1]);
    if (!v) return std::nullopt;
    *values[i] = *v;
  }
  return slab;
}

}  // namespace

std::vector<Slab> ParseSlabinfo(std::string_view content, std::vector<std::string>& skipped) {
  std::vector<Slab> slabs;
  std::vector<std::string_view> fields;
  for (auto line : Lines(content)) {
    if (line.find("slabinfo -") != std::string_view::npos || line.find("# name") != std::string_view::npos) continue;
    SplitLikeProcfs(line, fields);
    if (auto slab = ParseSlabLine(fields)) {
      slabs.push_back(std::move(*slab));
    } else {
      skipped.emplace_back(line);
    }
  }
  return slabs;
}

namespace {

SlabinfoOptions& Options() {
  static SlabinfoOptions options;
  return options;
}

void AddSlabinfoFlags(CLI::App& app) {
  auto& o = Options();
  app.add_option("--collector.slabinfo.slabs-include", o.slabs_include, "Regexp of slabs to include in slabinfo collector.")
      ->default_str(o.slabs_include)
      ->group("slabinfo collector");
  app.add_option("--collector.slabinfo.slabs-exclude", o.slabs_exclude, "Regexp of slabs to exclude in slabinfo collector.")
      ->default_str(o.slabs_exclude)
      ->group("slabinfo collector");
}

class SlabinfoCollector : public Collector {
 public:
  SlabinfoCollector(const Paths& paths, DeviceFilter filter)
      : file_(paths.Proc("slabinfo")), filter_(std::move(filter)) {}

  void Collect(MetricSet& out) override {
    ReadOrThrow(file_, buf_, "couldn't get slabinfo: ");
    std::vector<std::string> skipped;
    auto slabs = ParseSlabinfo(buf_, skipped);
    // By name, as node_exporter's exposition sorts them; a repeated name
    // would be a duplicate series, so only its first line counts.
    std::stable_sort(slabs.begin(), slabs.end(), [](const Slab& a, const Slab& b) { return a.name < b.name; });
    std::vector<const Slab*> kept;
    for (const auto& slab : slabs) {
      if (!kept.empty() && kept.back()->name == slab.name) {
        skipped.push_back("duplicate slab " + slab.name);
        continue;
      }
      if (!filter_.Ignored(slab.name)) kept.push_back(&slab);
    }
    ReportSkipped("slabinfo", file_.path(), skipped);
    Emit(out, kept, "node_slabinfo_active_objects", "The number of objects that are currently active (i.e., in use).",
         &Slab::active_objs);
    Emit(out, kept, "node_slabinfo_objects",
         "The total number of allocated objects (i.e., objects that are both in use and not in use).", &Slab::num_objs);
    Emit(out, kept, "node_slabinfo_object_size_bytes", "The size of objects in this slab, in bytes.", &Slab::obj_size);
    Emit(out, kept, "node_slabinfo_objects_per_slab", "The number of objects stored in each slab.",
         &Slab::obj_per_slab);
    Emit(out, kept, "node_slabinfo_pages_per_slab", "The number of pages allocated for each slab.",
         &Slab::pages_per_slab);
  }

 private:
  static void Emit(MetricSet& out, const std::vector<const Slab*>& slabs, std::string_view name,
                   std::string_view help, int64_t Slab::*field) {
    for (const Slab* slab : slabs) out.Gauge(name, help, {{"slab", slab->name}}, static_cast<double>(slab->*field));
  }

  CachedFile file_;
  DeviceFilter filter_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateSlabinfo(const Paths& paths) { return NewSlabinfoCollector(paths, Options()); }

NODE_AGENT_REGISTER_COLLECTOR("slabinfo", kDisabledByDefault, &AddSlabinfoFlags, &CreateSlabinfo);

}  // namespace

std::unique_ptr<Collector> NewSlabinfoCollector(const Paths& paths, const SlabinfoOptions& options) {
  DeviceFilter filter("collector.slabinfo.slabs-exclude", options.slabs_exclude, "collector.slabinfo.slabs-include",
                      options.slabs_include);
  return std::make_unique<SlabinfoCollector>(paths, std::move(filter));
}

}  // namespace node_agent
