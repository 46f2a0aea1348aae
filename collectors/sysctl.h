// sysctl collector: chosen /proc/sys values, numeric ones as untyped
// samples (--collector.sysctl.include) and string ones as node_sysctl_info
// (--collector.sysctl.include-info).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"
#include "lib/go_compat.h"

namespace node_agent {

// One flag value: "NAME" or "NAME:key1,key2,..." (a name for each of a
// multi-value sysctl's fields).
struct SysctlSpec {
  std::string name;  // e.g. "fs.file-nr"
  std::vector<std::string> keys;
  bool numeric = true;
};
SysctlSpec ParseSysctlSpec(std::string_view flag_value, bool numeric);

// A sysctl file's whitespace-separated fields.
std::vector<std::string> ParseSysctlStrings(std::string_view content);
// The same as integers (Go's ParseInt with base 0); nullopt when any field is
// not one.
std::optional<std::vector<int64_t>> ParseSysctlInts(std::string_view content);

// SanitizeMetricName (node_exporter's) is lib/go_compat.h's.

struct SysctlOptions {
  std::vector<std::string> include;
  std::vector<std::string> include_info;
};

std::unique_ptr<Collector> NewSysctlCollector(const Paths& paths, const SysctlOptions& options);

}  // namespace node_agent
