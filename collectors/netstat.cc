#include "collectors/netstat.h"

#include <cerrno>
#include <cstring>
#include <regex>
#include <stdexcept>
#include <unordered_map>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "collectors/device_filter.h"
#include "collectors/log.h"

namespace node_agent {

namespace {

void Problem(std::vector<std::string>* problems, std::string text) {
  if (problems) problems->push_back(std::move(text));
}

// "TcpExt:" -> "TcpExt"; empty when the first field is not "Name:".
std::string_view SectionName(std::string_view first_field) {
  if (first_field.size() < 2 || first_field.back() != ':') return {};
  return first_field.substr(0, first_field.size() - 1);
}

}  // namespace

std::vector<NetStatSection> ParseNetStats(std::string_view content,
                                          std::vector<std::string>* problems) {
  std::vector<NetStatSection> out;
  auto lines = Lines(content);
  size_t i = 0;
  while (i < lines.size()) {
    auto names = Fields(lines[i]);
    if (names.empty()) {
      ++i;
      continue;
    }
    std::string_view protocol = SectionName(names[0]);
    std::vector<std::string_view> values;
    if (i + 1 < lines.size()) values = Fields(lines[i + 1]);
    // The values line must belong to the same section; otherwise this line
    // is an orphan and the next one may start a good pair.
    if (protocol.empty() || values.empty() || values[0] != names[0]) {
      Problem(problems, fmt::format("no values line for '{}'", lines[i]));
      ++i;
      continue;
    }
    i += 2;
    if (names.size() != values.size()) {
      Problem(problems, fmt::format("field count mismatch in section {}", protocol));
      continue;
    }
    NetStatSection section{std::string(protocol), {}};
    section.fields.reserve(names.size() - 1);
    for (size_t k = 1; k < names.size(); ++k) {
      auto v = ParseDouble(values[k]);
      if (!v) {
        Problem(problems, fmt::format("invalid value '{}' for {}{}", values[k], protocol, names[k]));
        continue;
      }
      section.fields.emplace_back(std::string(names[k]), *v);
    }
    out.push_back(std::move(section));
  }
  return out;
}

std::vector<NetStatSection> ParseSnmp6(std::string_view content, std::vector<std::string>* problems) {
  std::vector<NetStatSection> out;
  for (auto line : Lines(content)) {
    auto f = Fields(line);
    if (f.size() < 2) continue;
    auto six = f[0].find('6');
    if (six == std::string_view::npos) continue;
    std::string_view protocol = f[0].substr(0, six + 1);
    std::string_view name = f[0].substr(six + 1);
    auto v = ParseDouble(f[1]);
    if (!v) {
      Problem(problems, fmt::format("invalid value '{}' for {}", f[1], f[0]));
      continue;
    }
    NetStatSection* section = nullptr;
    for (auto& s : out) {
      if (s.protocol == protocol) section = &s;
    }
    if (!section) section = &out.emplace_back(NetStatSection{std::string(protocol), {}});
    section->fields.emplace_back(std::string(name), *v);
  }
  return out;
}

namespace {

NetstatOptions& FlagOptions() {
  static NetstatOptions options;
  return options;
}

void AddNetstatFlags(CLI::App& app) {
  app.add_option("--collector.netstat.fields", FlagOptions().fields,
                 "Regexp of fields to return for netstat collector.")
      ->group("netstat collector")
      ->capture_default_str();
}

class NetstatCollector : public Collector {
 public:
  NetstatCollector(const Paths& paths, const NetstatOptions& options)
      : fields_(CompileFlagRegex("collector.netstat.fields", options.fields)),
        netstat_(paths.Proc("net/netstat")),
        snmp_(paths.Proc("net/snmp")),
        snmp6_(paths.Proc("net/snmp6")) {}

  void Collect(MetricSet& out) override {
    if (int err = netstat_.Read(buf_); err != 0) {
      throw std::runtime_error(fmt::format("couldn't get netstats: {}: {}", netstat_.path(), std::strerror(err)));
    }
    std::vector<std::string> problems;
    auto sections = ParseNetStats(buf_, &problems);
    if (int err = snmp_.Read(buf_); err != 0) {
      throw std::runtime_error(fmt::format("couldn't get SNMP stats: {}: {}", snmp_.path(), std::strerror(err)));
    }
    Merge(sections, ParseNetStats(buf_, &problems));
    // snmp6 is absent when IPv6 is disabled.
    if (int err = snmp6_.Read(buf_); err == 0) {
      Merge(sections, ParseSnmp6(buf_, &problems));
    } else if (err != ENOENT) {
      throw std::runtime_error(fmt::format("couldn't get SNMP6 stats: {}: {}", snmp6_.path(), std::strerror(err)));
    }
    for (const auto& p : problems) log::WarnOnce("netstat:" + p, "netstat: skipped malformed data", {{"problem", p}});

    ++generation_;
    std::string key;
    for (const auto& section : sections) {
      for (const auto& [name, value] : section.fields) {
        key.assign(section.protocol).append("_").append(name);
        Field& field = Lookup(key, section.protocol, name);
        // A name repeated within a section would repeat the series.
        if (!field.selected || field.generation == generation_) continue;
        field.generation = generation_;
        out.Untyped(field.metric, field.help, {}, value);
      }
    }
  }

 private:
  struct Field {
    bool selected = false;
    std::string metric;
    std::string help;
    uint64_t generation = 0;
  };

  // A protocol read again replaces the earlier one, as node_exporter's map
  // merge does (snmp over netstat, snmp6 over both).
  static void Merge(std::vector<NetStatSection>& into, std::vector<NetStatSection> more) {
    for (auto& s : more) {
      bool replaced = false;
      for (auto& existing : into) {
        if (existing.protocol == s.protocol) {
          existing = std::move(s);
          replaced = true;
          break;
        }
      }
      if (!replaced) into.push_back(std::move(s));
    }
  }

  // The field names never change while the kernel runs, so the regex runs
  // once per name, not once per scrape.
  Field& Lookup(const std::string& key, const std::string& protocol, const std::string& name) {
    auto it = fields_cache_.find(key);
    if (it != fields_cache_.end()) return it->second;
    Field f;
    f.selected = std::regex_search(key, fields_);
    if (f.selected) {
      f.metric = "node_netstat_" + key;
      f.help = fmt::format("Statistic {}{}.", protocol, name);
    }
    return fields_cache_.emplace(key, std::move(f)).first->second;
  }

  std::regex fields_;
  CachedFile netstat_;
  CachedFile snmp_;
  CachedFile snmp6_;
  std::string buf_;
  std::unordered_map<std::string, Field> fields_cache_;
  uint64_t generation_ = 0;
};

std::unique_ptr<Collector> CreateNetstat(const Paths& paths) {
  return NewNetstatCollector(paths, FlagOptions());
}

const bool kRegistered = RegisterCollector({"netstat", /*enabled_by_default=*/true, &AddNetstatFlags, &CreateNetstat});

}  // namespace

std::unique_ptr<Collector> NewNetstatCollector(const Paths& paths, const NetstatOptions& options) {
  return std::make_unique<NetstatCollector>(paths, options);
}

}  // namespace node_agent
