#include "collectors/vmstat.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "lib/device_filter.h"
#include "lib/log.h"

namespace node_agent {

Vmstat ParseVmstat(std::string_view content) {
  Vmstat v;
  std::vector<std::string_view> fields;
  for (auto line : Lines(content)) {
    Fields(line, fields);
    if (fields.empty()) continue;
    std::optional<double> value;
    if (fields.size() == 2) value = ParseDouble(fields[1]);
    if (!value) {
      v.malformed.emplace_back(Trim(line));
      continue;
    }
    v.fields.push_back({fields[0], *value});
  }
  return v;
}

namespace {

VmstatOptions g_options;

void AddVmstatFlags(CLI::App& app) {
  app.add_option("--collector.vmstat.fields", g_options.fields, "Regexp of fields to return for vmstat collector.")
      ->group("vmstat collector");
}

class VmstatCollector : public Collector {
 public:
  VmstatCollector(const Paths& paths, const VmstatOptions& options)
      : file_(paths.Proc("vmstat"), ShortRead::kShortRecords),
        pattern_(Regex::ForFlag("collector.vmstat.fields", options.fields)) {}

  void Collect(MetricSet& out) override {
    ReadOrThrow(file_, buf_, "couldn't get vmstat: ");
    Vmstat v = ParseVmstat(buf_);
    for (const auto& line : v.malformed) {
      log::WarnOnce("vmstat:" + file_.path() + ":" + line.substr(0, line.find(' ')),
                    "skipping malformed vmstat line", {{"file", file_.path()}, {"line", line}});
    }
    for (const auto& f : v.fields) {
      const Selected& sel = Lookup(f.name);
      if (sel.matched) out.Untyped(sel.metric, sel.help, {}, f.value);
    }
  }

 private:
  struct Selected {
    bool matched = false;
    std::string metric;
    std::string help;
  };

  // /proc/vmstat has ~180 fields and the set only changes with the kernel:
  // run the regex once per field name, not once per field per scrape.
  const Selected& Lookup(std::string_view name) {
    auto it = selected_.find(name);
    if (it != selected_.end()) return it->second;
    std::string key(name);
    Selected sel;
    sel.matched = pattern_.Matches(key);
    if (sel.matched) {
      sel.metric = "node_vmstat_" + key;
      sel.help = fmt::format("/proc/vmstat information field {}.", key);
    }
    return selected_.emplace(std::move(key), std::move(sel)).first->second;
  }

  CachedFile file_;
  Regex pattern_;
  std::string buf_;
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Selected, NameHash, std::equal_to<>> selected_;
};

std::unique_ptr<Collector> CreateVmstat(const Paths& paths) { return NewVmstatCollector(paths, g_options); }

NODE_AGENT_REGISTER_COLLECTOR("vmstat", kEnabledByDefault, &AddVmstatFlags, &CreateVmstat);

}  // namespace

std::unique_ptr<Collector> NewVmstatCollector(const Paths& paths, const VmstatOptions& options) {
  return std::make_unique<VmstatCollector>(paths, options);
}

}  // namespace node_agent
