// Command-line flags, named as node_exporter's so its systemd ExecStart line
// can be reused: --web.*, --path.*, --collector.NAME / --no-collector.NAME,
// --collector.disable-defaults, --log.*.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/fs.h"

namespace CLI {
class App;
}

namespace node_agent {

struct Config {
  std::vector<std::string> listen_addresses;
  std::string telemetry_path = "/metrics";
  bool disable_exporter_metrics = false;
  int max_requests = 40;
  // A scrape's collectors must finish by Prometheus' X-Prometheus-Scrape-Timeout-Seconds
  // less scrape_timeout_margin, or by scrape_timeout when the header is absent.
  std::chrono::nanoseconds scrape_timeout = std::chrono::seconds(10);
  std::chrono::nanoseconds scrape_timeout_margin = std::chrono::milliseconds(500);
  std::string web_config_file;  // --web.config.file: TLS and basic auth (agent/web_config.h)
  Paths paths;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  bool disable_defaults = false;
  std::vector<std::string> enabled_collectors;  // resolved after parsing, sorted
  // Ray discovery (agent/ray_sd.h). An empty ray_sd_file disables it;
  // ray_sd_output is resolved after parsing (beside ray_sd_file by default);
  // ray_sd_port 0 means the port of the first listen address.
  std::string ray_sd_file = "/tmp/ray/prom_metrics_service_discovery.json";
  std::string ray_sd_output;
  int ray_sd_port = 0;
  // ray_io_cluster label of the written targets (empty: none), and how long
  // Ray's file may go unrewritten before Ray counts as stopped (0: never).
  std::string ray_cluster_name;
  std::chrono::nanoseconds ray_sd_stale_after = std::chrono::seconds(60);
  // node_exporter flags that node-agent accepts and ignores (collectors it
  // does not implement, Go runtime settings), so an existing ExecStart line
  // starts; main logs each one as a warning.
  std::vector<std::string> ignored_flags;
};

// True for a node_exporter 1.12 collector that node-agent does not implement.
bool IsUnimplementedNodeExporterCollector(std::string_view name);

// Parses argv into `config`. Returns -1 to go on, or an exit code: 0 after
// --help/--version, non-zero with a message naming the bad flag on stderr.
int ParseFlags(int argc, const char* const* argv, Config& config);

}  // namespace node_agent
