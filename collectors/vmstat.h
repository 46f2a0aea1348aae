// vmstat collector: the /proc/vmstat fields matching --collector.vmstat.fields
// as untyped node_vmstat_<field>.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// node_exporter 1.12's default for --collector.vmstat.fields.
inline constexpr std::string_view kDefaultVmstatFields = "^(oom_kill|pgpg|pswp|pg.*fault).*";

struct VmstatField {
  std::string_view name;  // points into the parsed content
  double value = 0;
};

struct Vmstat {
  std::vector<VmstatField> fields;  // in file order
  std::vector<std::string> malformed;
};

// Parses "name value" lines.
Vmstat ParseVmstat(std::string_view content);

struct VmstatOptions {
  std::string fields = std::string(kDefaultVmstatFields);  // --collector.vmstat.fields
};

// Throws std::invalid_argument naming the flag when the regex is invalid.
std::unique_ptr<Collector> NewVmstatCollector(const Paths& paths, const VmstatOptions& options);

}  // namespace node_agent
