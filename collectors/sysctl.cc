#include "collectors/sysctl.h"
#include "lib/go_compat.h"

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace node_agent {

SysctlSpec ParseSysctlSpec(std::string_view flag_value, bool numeric) {
  SysctlSpec s;
  s.numeric = numeric;
  auto colon = flag_value.find(':');
  s.name = std::string(flag_value.substr(0, colon));
  if (colon == std::string_view::npos) return s;
  // Go's strings.Split: "a:" gives one empty key, "a:x,,y" an empty middle one.
  std::string_view keys = flag_value.substr(colon + 1);
  for (;;) {
    auto comma = keys.find(',');
    s.keys.emplace_back(keys.substr(0, comma));
    if (comma == std::string_view::npos) break;
    keys.remove_prefix(comma + 1);
  }
  return s;
}

std::vector<std::string> ParseSysctlStrings(std::string_view content) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (i < content.size()) {
    while (i < content.size() && std::isspace(static_cast<unsigned char>(content[i]))) ++i;
    size_t start = i;
    while (i < content.size() && !std::isspace(static_cast<unsigned char>(content[i]))) ++i;
    if (i > start) fields.emplace_back(content.substr(start, i - start));
  }
  return fields;
}

std::optional<std::vector<int64_t>> ParseSysctlInts(std::string_view content) {
  std::vector<int64_t> values;
  for (const auto& f : ParseSysctlStrings(content)) {
    auto v = ParseGoInt(f);
    if (!v) return std::nullopt;
    values.push_back(*v);
  }
  return values;
}

namespace {

SysctlOptions& FlagOptions() {
  static SysctlOptions options;
  return options;
}

void AddSysctlFlags(CLI::App& app) {
  auto& o = FlagOptions();
  app.add_option("--collector.sysctl.include", o.include, "Select sysctl metrics to include")
      ->group("sysctl collector")
      ->expected(1)
      ->take_all();
  app.add_option("--collector.sysctl.include-info", o.include_info,
                 "Select sysctl metrics to include as info metrics")
      ->group("sysctl collector")
      ->expected(1)
      ->take_all();
}

// procfs reads a sysctl with one read(2) of at most 128 bytes (a guard
// against files that never stop returning EAGAIN); longer values are cut
// there as in node_exporter. Returns 0 or an errno.
int ReadSysctl(const std::string& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  char buf[128];
  ssize_t n;
  do {
    n = ::read(fd, buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  int err = n < 0 ? errno : 0;
  ::close(fd);
  if (err == 0) out.assign(buf, static_cast<size_t>(n));
  return err;
}

class SysctlCollector : public Collector {
 public:
  SysctlCollector(const Paths& paths, std::vector<SysctlSpec> specs) : paths_(paths), specs_(std::move(specs)) {}

  void Collect(MetricSet& out) override {
    // As node_exporter: the first failing sysctl ends the scrape, after the
    // samples of those before it.
    for (const auto& s : specs_) CollectOne(out, s);
  }

 private:
  void CollectOne(MetricSet& out, const SysctlSpec& s) {
    std::string rel = "sys/" + s.name;
    std::replace(rel.begin(), rel.end(), '.', '/');
    std::string content;
    if (int err = ReadSysctl(paths_.Proc(rel), content); err != 0) {
      throw std::runtime_error(fmt::format("error obtaining sysctl info: {}: {}", paths_.Proc(rel), std::strerror(err)));
    }
    std::vector<std::string> strings;
    std::vector<int64_t> ints;
    if (s.numeric) {
      auto v = ParseSysctlInts(content);
      if (!v) throw std::runtime_error(fmt::format("error obtaining sysctl info: sysctl {} is not a list of integers", s.name));
      ints = std::move(*v);
    } else {
      strings = ParseSysctlStrings(content);
    }
    size_t length = s.numeric ? ints.size() : strings.size();
    if (length == 0) throw std::runtime_error(fmt::format("sysctl {} has no values", s.name));
    if (length == 1 && !s.keys.empty()) {
      throw std::runtime_error(fmt::format("sysctl {} has only one value, but expected {} keys", s.name, s.keys.size()));
    }
    if (length > 1 && !s.keys.empty()) {
      if (length != s.keys.size()) {
        throw std::runtime_error(fmt::format("sysctl {} has {} keys but only {} defined in flag", s.name, length, s.keys.size()));
      }
      if (!s.numeric) throw std::runtime_error("mapped sysctl string values not supported");
    }
    Emit(out, s, ints, strings);
  }

  static void Emit(MetricSet& out, const SysctlSpec& s, const std::vector<int64_t>& ints,
                   const std::vector<std::string>& strings) {
    std::string metric = "node_sysctl_" + SanitizeMetricName(s.name);
    std::string help = "sysctl " + s.name;
    if (!s.numeric) {
      for (size_t i = 0; i < strings.size(); ++i) {
        out.Gauge("node_sysctl_info", "sysctl info",
                  {{"index", std::to_string(i)}, {"name", s.name}, {"value", strings[i]}}, 1);
      }
    } else if (ints.size() == 1) {
      out.Untyped(metric, help, {}, static_cast<double>(ints[0]));
    } else if (s.keys.empty()) {
      for (size_t i = 0; i < ints.size(); ++i) {
        out.Untyped(metric, help, {{"index", std::to_string(i)}}, static_cast<double>(ints[i]));
      }
    } else {
      for (size_t i = 0; i < ints.size(); ++i) {
        out.Untyped(metric + "_" + s.keys[i], fmt::format("{}, field {}", help, i), {}, static_cast<double>(ints[i]));
      }
    }
  }

  Paths paths_;
  std::vector<SysctlSpec> specs_;
};

std::unique_ptr<Collector> CreateSysctl(const Paths& paths) { return NewSysctlCollector(paths, FlagOptions()); }

NODE_AGENT_REGISTER_COLLECTOR("sysctl", kDisabledByDefault, &AddSysctlFlags, &CreateSysctl);

}  // namespace

std::unique_ptr<Collector> NewSysctlCollector(const Paths& paths, const SysctlOptions& options) {
  std::vector<SysctlSpec> specs;
  for (const auto& v : options.include) {
    specs.push_back(ParseSysctlSpec(v, true));
    // Each key becomes part of a metric name as given.
    for (const auto& key : specs.back().keys) {
      bool ok = std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
      });
      if (!ok) {
        throw std::invalid_argument(
            fmt::format("--collector.sysctl.include: key \"{}\" of {} is not a valid metric name part", key, v));
      }
    }
  }
  for (const auto& v : options.include_info) specs.push_back(ParseSysctlSpec(v, false));
  return std::make_unique<SysctlCollector>(paths, std::move(specs));
}

}  // namespace node_agent
