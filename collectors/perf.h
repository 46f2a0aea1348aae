// perf collector: per-CPU hardware, software and cache counters and kernel
// tracepoints through perf_event_open(2), as node_exporter's
// collector/perf_linux.go with github.com/hodgesds/perf-utils (off by
// default). The counters are opened and enabled when the collector is
// created; a scrape reads them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

// --collector.perf.cpus: "0,2-4,8-16:4" (a range with an optional stride).
// Throws std::invalid_argument naming the flag when malformed.
std::vector<int> ParsePerfCpus(std::string_view flag);

struct PerfTracepoint {
  std::string subsystem, event;
};
// --collector.perf.tracepoint values, "subsystem:event" each.
std::vector<PerfTracepoint> ParsePerfTracepoints(const std::vector<std::string>& flags);

// The first mount point of a tracefs in /proc/mounts content ("" if none).
std::string TracefsMount(std::string_view mounts);

// A counter's read(2) with PERF_FORMAT_TOTAL_TIME_ENABLED|RUNNING: the raw
// value (perf-utils does not scale it); nullopt when shorter than 24 bytes.
std::optional<uint64_t> ParsePerfRead(std::string_view buf);
// A group leader's read with PERF_FORMAT_GROUP too: `n` values; nullopt when
// the buffer is short.
std::optional<std::vector<uint64_t>> ParsePerfGroupRead(std::string_view buf, size_t n);

struct PerfOptions {
  std::string cpus;                            // --collector.perf.cpus
  std::vector<std::string> tracepoints;        // --collector.perf.tracepoint
  bool disable_hardware = false;               // --collector.perf.disable-hardware-profilers
  std::vector<std::string> hardware_profilers;  // --collector.perf.hardware-profilers
  bool disable_software = false;               // --collector.perf.disable-software-profilers
  std::vector<std::string> software_profilers;  // --collector.perf.software-profilers
  bool disable_cache = false;                  // --collector.perf.disable-cache-profilers
  std::vector<std::string> cache_profilers;     // --collector.perf.cache-profilers
};

// Opens and enables the counters. Throws std::runtime_error when a kind of
// profiler has no counter available on a CPU (as node_exporter fails to
// start), naming the flag that turns it off, and std::invalid_argument for a
// bad flag value.
std::unique_ptr<Collector> NewPerfCollector(const Paths& paths, const PerfOptions& options);

}  // namespace node_agent
