#include "collectors/rapl.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "lib/go_compat.h"
#include "lib/log.h"

namespace node_agent {

namespace {

// Go's int arithmetic wraps.
int64_t WrappingNext(int64_t v) { return static_cast<int64_t>(static_cast<uint64_t>(v) + 1); }

}  // namespace

std::pair<int64_t, std::string> RaplIndexAndName(std::map<std::string, int64_t>& counts, std::string_view name) {
  auto dash = name.find('-');
  if (dash != std::string_view::npos && name.find('-', dash + 1) == std::string_view::npos) {
    if (auto index = GoAtoi(name.substr(dash + 1))) {
      std::string base(name.substr(0, dash));
      counts[base] = WrappingNext(*index);
      return {*index, base};
    }
  }
  std::string base(name);
  int64_t index = counts[base];
  counts[base] = WrappingNext(index);
  return {index, base};
}

namespace {

RaplOptions g_options;

void AddRaplFlags(CLI::App& app) {
  app.add_flag("--collector.rapl.enable-zone-label,!--no-collector.rapl.enable-zone-label", g_options.zone_label,
               "Enables service unit metric unit_start_time_seconds")
      ->group("rapl collector");
}

bool IsPermission(int err) { return err == EACCES || err == EPERM; }

class RaplCollector : public Collector {
 public:
  RaplCollector(const Paths& paths, const RaplOptions& options)
      : dir_(paths.Sys("class/powercap")), lister_(dir_, IsSysfsMount(paths.sysfs)), options_(options) {}

  void Collect(MetricSet& out) override {
    std::vector<Zone> zones;
    if (!ListZones(zones, out)) return;
    for (const Zone& z : zones) {
      int err = 0;
      auto uj = ReadGoUintFile(z.path + "/energy_uj", &err);
      if (!uj && IsPermission(err)) return out.SetNoData("can't access energy_uj file " + z.path);
      if (!uj) {
        throw std::runtime_error(fmt::format("{}/energy_uj: {}", z.path, err ? std::strerror(err) : "not a number"));
      }
      double joules = static_cast<double>(*uj) / 1000000.0;
      std::string index = std::to_string(z.index);
      if (options_.zone_label) {
        out.Counter("node_rapl_joules_total", "Current RAPL value in joules",
                    {{"index", index}, {"path", z.path}, {"rapl_zone", z.name}}, joules);
      } else {
        out.Counter(fmt::format("node_rapl_{}_joules_total", SanitizeMetricName(z.name)),
                    fmt::format("Current RAPL {} value in joules", z.name), {{"index", index}, {"path", z.path}},
                    joules);
      }
    }
  }

 private:
  struct Zone {
    std::string name;
    int64_t index;
    std::string path;
  };

  // procfs' GetRaplZones: every entry of class/powercap with a `name` file.
  // False, with `out` marked no-data, where powercap is absent or closed.
  bool ListZones(std::vector<Zone>& zones, MetricSet& out) {
    std::vector<DirEntry> entries;
    if (int err = lister_.List(entries); err != 0) {
      if (err == ENOENT || IsPermission(err)) {
        out.SetNoData("no powercap files: " + dir_);
        return false;
      }
      throw std::runtime_error(fmt::format("failed to retrieve rapl stats: {}: {}", dir_, std::strerror(err)));
    }
    std::map<std::string, int64_t> counts;
    for (const DirEntry& e : entries) {
      std::string path = GoCleanPath(dir_ + "/" + e.name);
      auto name = ReadFile(path + "/name");
      if (!name) continue;
      auto [index, base] = RaplIndexAndName(counts, GoTrimSpace(*name));
      int err = 0;
      if (!ReadGoUintFile(path + "/max_energy_range_uj", &err)) {
        if (err == ENOENT || IsPermission(err)) {
          out.SetNoData("no max_energy_range_uj in " + path);
          return false;
        }
        throw std::runtime_error(fmt::format("failed to retrieve rapl stats: {}/max_energy_range_uj: {}", path,
                                             err ? std::strerror(err) : "not a number"));
      }
      zones.push_back({std::move(base), index, std::move(path)});
    }
    return true;
  }

  std::string dir_;
  DirLister lister_;
  RaplOptions options_;
};

std::unique_ptr<Collector> CreateRapl(const Paths& paths) { return NewRaplCollector(paths, g_options); }

NODE_AGENT_REGISTER_COLLECTOR("rapl", kEnabledByDefault, &AddRaplFlags, &CreateRapl);

}  // namespace

std::unique_ptr<Collector> NewRaplCollector(const Paths& paths, const RaplOptions& options) {
  return std::make_unique<RaplCollector>(paths, options);
}

}  // namespace node_agent
