// Command-line flags, named as node_exporter's so its systemd ExecStart line
// can be reused: --web.*, --path.*, --collector.NAME / --no-collector.NAME,
// --collector.disable-defaults, --log.*.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collectors/fs.h"

namespace CLI {
class App;
}

namespace node_agent {

struct Config {
  std::vector<std::string> listen_addresses;
  std::string telemetry_path = "/metrics";
  bool disable_exporter_metrics = false;
  int max_requests = 40;
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
};

// Parses argv into `config`. Returns -1 to go on, or an exit code: 0 after
// --help/--version, non-zero with a message naming the bad flag on stderr.
int ParseFlags(int argc, const char* const* argv, Config& config);

}  // namespace node_agent
