// textfile collector: metrics read from *.prom files in the directories given
// by --collector.textfile.directory (repeatable, glob patterns), as
// node_exporter's collector/textfile.go, with a Prometheus text-format parser
// that accepts and rejects what prometheus/common's expfmt.TextParser does
// (legacy metric/label name validation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// One metric family as the text format declares it. For summaries and
// histograms the samples are grouped into one ClientMetric per label set
// (quantile/le excluded), as expfmt groups them.
struct ParsedFamily {
  std::string name;
  std::optional<std::string> help;  // unescaped; absent when no (or an empty) HELP line
  MetricType type = MetricType::Untyped;
  std::vector<prometheus::ClientMetric> metrics;
  bool has_timestamps = false;  // some sample carried a client-side timestamp
};

// Parses the Prometheus text exposition format. Families come in order of
// first appearance; families without samples are dropped (as expfmt does).
// On a syntax error returns nullopt and sets *error ("line N: ...").
std::optional<std::vector<ParsedFamily>> ParseTextFormat(std::string_view text, std::string* error);

// Go's strconv.ParseFloat as expfmt uses it (Inf/NaN words, no hex, no '_').
std::optional<double> ParseExpfmtFloat(std::string_view s);

// Go's filepath.Join of two elements, cleaned like filepath.Clean.
std::string GoJoinPath(std::string_view dir, std::string_view name);

// The default bound on one .prom file (docs/hardening.md).
inline constexpr size_t kMaxTextfileBytes = 16 << 20;

struct TextfileOptions {
  std::vector<std::string> directories;  // glob patterns or directories
  // Replaces every node_textfile_mtime_seconds value (node_exporter's test
  // hook, for reproducible fixture output).
  std::optional<double> fixed_mtime;
  // A larger file is skipped with an error (node_textfile_scrape_error 1):
  // parsing and serving it peaks at about forty-five times its size.
  size_t max_file_bytes = kMaxTextfileBytes;
};

std::unique_ptr<Collector> NewTextfileCollector(TextfileOptions options);

}  // namespace node_agent
