#include "collectors/interrupts.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include "lib/cpu_label_order.h"
#include "lib/device_filter.h"

namespace node_agent {

namespace {

std::string Join(const std::vector<std::string_view>& parts, size_t from) {
  std::string out;
  for (size_t i = from; i < parts.size(); ++i) {
    if (i > from) out += ' ';
    out.append(parts[i]);
  }
  return out;
}

// Go's strconv.Atoi: an optional sign and decimal digits that fit in 64 bits.
bool IsGoInt(std::string_view s) {
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) return false;
  }
  return ParseInt(s).has_value();
}

}  // namespace

std::optional<Interrupts> ParseInterrupts(std::string_view content, std::vector<std::string>& skipped) {
  auto lines = Lines(content);
  if (lines.empty()) return std::nullopt;
  Interrupts result;
  std::vector<std::string_view> parts;
  Fields(lines[0], parts);
  result.cpus = parts.size();
  std::unordered_map<std::string, size_t> index;
  for (size_t l = 1; l < lines.size(); ++l) {
    std::string_view line = lines[l];
    // aarch64 may put no space between the name and the first value.
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    Fields(line.substr(colon + 1), parts);
    if (parts.size() < result.cpus + 1) continue;  // ERR, MIS
    InterruptRow row;
    std::string_view name = line.substr(0, colon);
    name.remove_prefix(std::min(name.find_first_not_of(' '), name.size()));
    row.name.assign(name);
    bool ok = true;
    for (size_t i = 0; i < result.cpus && ok; ++i) {
      auto v = ParseGoFloat(parts[i]);
      if (v) row.values.push_back(*v);
      ok = v.has_value();
    }
    if (!ok) {
      skipped.emplace_back(Trim(line));
      continue;
    }
    if (IsGoInt(row.name)) {
      row.info.assign(parts[result.cpus]);
      row.devices = Join(parts, result.cpus + 1);
    } else {
      row.info = Join(parts, result.cpus);
    }
    auto [it, added] = index.try_emplace(row.name, result.rows.size());
    if (added) {
      result.rows.push_back(std::move(row));
    } else {
      result.rows[it->second] = std::move(row);
    }
  }
  return result;
}

namespace {

struct InterruptsFlags {
  InterruptsOptions options;
};
InterruptsFlags& Flags() {
  static InterruptsFlags flags;
  return flags;
}

void AddInterruptsFlags(CLI::App& app) {
  InterruptsOptions& o = Flags().options;
  const char* group = "interrupts collector";
  app.add_option("--collector.interrupts.name-include", o.name_include,
                 "Regexp of interrupts name to include (mutually exclusive to --collector.interrupts.name-exclude).")
      ->group(group);
  app.add_option("--collector.interrupts.name-exclude", o.name_exclude,
                 "Regexp of interrupts name to exclude (mutually exclusive to --collector.interrupts.name-include).")
      ->group(group);
  app.add_flag("--collector.interrupts.include-zeros,!--no-collector.interrupts.include-zeros", o.include_zeros,
               "Include interrupts that have a zero value")
      ->default_str("true")
      ->group(group);
}

class InterruptsCollector : public Collector {
 public:
  InterruptsCollector(const Paths& paths, const InterruptsOptions& options)
      : file_(paths.Proc("interrupts")),
        filter_("collector.interrupts.name-exclude", options.name_exclude, "collector.interrupts.name-include",
                options.name_include),
        include_zeros_(options.include_zeros) {}

  void Collect(MetricSet& out) override {
    ReadOrThrow(file_, buf_, "couldn't get interrupts: ");
    std::vector<std::string> skipped;
    auto parsed = ParseInterrupts(buf_, skipped);
    ReportSkipped("interrupts", file_.path(), skipped);
    if (!parsed) throw std::runtime_error("couldn't get interrupts: interrupts empty: " + file_.path());
    // The filter sees "NAME;INFO;DEVICES", as in node_exporter.
    std::vector<const InterruptRow*> rows;
    for (const InterruptRow& r : parsed->rows) {
      if (!filter_.Ignored(r.name + ";" + r.info + ";" + r.devices)) rows.push_back(&r);
    }
    // Go's registry sorts a family's samples by label value: cpu (as a
    // string), devices, info, type.
    std::sort(rows.begin(), rows.end(), [](const InterruptRow* a, const InterruptRow* b) {
      return std::tie(a->devices, a->info, a->name) < std::tie(b->devices, b->info, b->name);
    });
    cpus_.Resize(parsed->cpus);
    for (size_t cpu : cpus_.order()) {
      for (const InterruptRow* r : rows) {
        double v = r->values[cpu];
        if (!include_zeros_ && v == 0.0) continue;
        out.Counter("node_interrupts_total", "Interrupt details.",
                    {{"cpu", cpus_.name(cpu)}, {"devices", r->devices}, {"info", r->info}, {"type", r->name}}, v);
      }
    }
  }

 private:
  CachedFile file_;
  DeviceFilter filter_;
  bool include_zeros_;
  std::string buf_;
  CpuLabelOrder cpus_;
};

std::unique_ptr<Collector> CreateInterrupts(const Paths& paths) {
  return NewInterruptsCollector(paths, Flags().options);
}

NODE_AGENT_REGISTER_COLLECTOR("interrupts", kDisabledByDefault, &AddInterruptsFlags, &CreateInterrupts);

}  // namespace

std::unique_ptr<Collector> NewInterruptsCollector(const Paths& paths, const InterruptsOptions& options) {
  return std::make_unique<InterruptsCollector>(paths, options);
}

}  // namespace node_agent
