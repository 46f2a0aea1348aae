// interrupts collector: node_interrupts_total, interrupt counts per CPU from
// /proc/interrupts.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct InterruptRow {
  std::string name;     // "42", "NMI"
  std::string info;     // numbered: the chip/type column; named: the description
  std::string devices;  // numbered only: the rest of the line
  std::vector<double> values;  // one per CPU column of the header
};

struct Interrupts {
  size_t cpus = 0;  // the header's columns
  std::vector<InterruptRow> rows;  // in file order; a repeated name keeps its last row
};

// Parses /proc/interrupts as node_exporter does: the header's words give the
// CPU count; a row is "NAME:" then one value per CPU and its description
// (rows with fewer fields, such as ERR and MIS, are left out). Names are
// trimmed of leading spaces only. A row with a value that is not a number is
// left out and appended to `skipped`. nullopt when the content is empty.
std::optional<Interrupts> ParseInterrupts(std::string_view content, std::vector<std::string>& skipped);

struct InterruptsOptions {
  std::string name_include;  // --collector.interrupts.name-include
  std::string name_exclude;  // --collector.interrupts.name-exclude
  bool include_zeros = true;  // --collector.interrupts.include-zeros
};

std::unique_ptr<Collector> NewInterruptsCollector(const Paths& paths, const InterruptsOptions& options);

}  // namespace node_agent
