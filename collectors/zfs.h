// zfs collector: OpenZFS kstats from /proc/spl/kstat/zfs (the module-wide
// tables, each pool's io, objset-* and state), as node_exporter's
// collector/zfs_linux.go. Every kstat row becomes a series named after it,
// so the collector is a table of kstat files, not a list of metrics.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct ZfsKstat {
  std::string name;  // the kstat's name column ("arc_meta_used", "erpt-dropped")
  double value = 0;
};

// A "named" kstat table (arcstats, dmu_tx, objset-*, ...): a header line,
// then "name type data" and one row per kstat. Rows of type 4 (uint64) and 3
// (int64) are returned; other types (strings) are left out. A row whose value
// does not parse is appended to `skipped`. Returns false when the
// "name type data" line is missing (node_exporter: "did not parse a single
// metric").
bool ParseZfsKstatNamed(std::string_view content, std::vector<ZfsKstat>& out, std::vector<std::string>& skipped);

// A pool's io kstat (an "raw" table): the line of at least twelve column
// names starting "nread", then rows of values. Each row gives one value per
// column; a row with fewer values, or a value that does not parse, is
// appended to `skipped` (values of a short row are left out, bad values one
// by one). Without the header line there is nothing, and no error.
void ParseZpoolIo(std::string_view content, std::vector<ZfsKstat>& out, std::vector<std::string>& skipped);

// One row of a pool's objset-* kstat with the dataset it belongs to as
// node_exporter attributes it: the dataset (and pool) named by the last
// dataset_name row before it, empty before any.
struct ZfsObjsetRow {
  bool named = false;   // a dataset_name row came before
  std::string dataset;  // the line from the first occurrence of its value on, as node_exporter cuts it
  ZfsKstat kstat;
};
// Parses objset-*: only uint64 rows are exported. Returns false when the
// "name type data" line is missing.
bool ParseZpoolObjset(std::string_view content, std::vector<ZfsObjsetRow>& out, std::vector<std::string>& skipped);

// A pool's state file: its first line, lower-cased ("online", "suspended").
std::string ParseZpoolState(std::string_view content);

// The metric name's last part for a kstat: node_exporter keeps what follows
// the last '.' of "kstat.zfs.misc.<file>.<name>" and turns '-' into '_'.
std::string ZfsMetricSuffix(std::string_view kstat_name);

std::unique_ptr<Collector> NewZfsCollector(const Paths& paths);

}  // namespace node_agent
