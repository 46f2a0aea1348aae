#include "agent/flags.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <tuple>

#include "agent/version.h"
#include "lib/collector.h"

namespace node_agent {
namespace {

// Every Linux collector of node_exporter 1.12 (`node_exporter --help`).
constexpr std::string_view kNodeExporterCollectors[] = {
    "arp", "bcache", "bcachefs", "bonding", "btrfs", "buddyinfo", "cgroups", "conntrack", "cpu",
    "cpu_vulnerabilities", "cpufreq", "diskstats", "dmi", "dmmultipath", "drbd", "drm", "edac", "entropy",
    "ethtool", "fibrechannel", "filefd", "filesystem", "hwmon", "infiniband", "interrupts", "ipvs",
    "kernel_hung", "ksmd", "lnstat", "loadavg", "logind", "mdadm", "meminfo", "meminfo_numa", "mountstats",
    "netclass", "netdev", "netstat", "network_route", "nfs", "nfsd", "ntp", "nvme", "os", "pcidevice", "perf",
    "powersupplyclass", "pressure", "processes", "qdisc", "rapl", "runit", "schedstat", "selinux", "slabinfo",
    "sockstat", "softirqs", "softnet", "stat", "supervisord", "sysctl", "systemd", "tapestats", "tcpstat",
    "textfile", "thermal_zone", "time", "timex", "udp_queues", "uname", "vmstat", "watchdog", "wifi", "xfrm",
    "xfs", "zfs", "zoneinfo"};

// Flags of node_exporter's Go runtime and systemd socket activation: they do
// not apply to node-agent.
constexpr std::string_view kNodeExporterRuntimeFlags[] = {"runtime.gomaxprocs", "web.systemd-socket"};

// Splits "--[no-]collector.NAME[.SUB][=VALUE]" into NAME; "" when `arg` has another form.
std::string_view CollectorOfFlag(std::string_view arg) {
  for (std::string_view prefix : {"--collector.", "--no-collector."}) {
    if (arg.starts_with(prefix)) {
      arg.remove_prefix(prefix.size());
      return arg.substr(0, arg.find_first_of(".="));
    }
  }
  return {};
}

bool IsRuntimeFlag(std::string_view arg) {
  for (std::string_view prefix : {"--", "--no-"}) {
    if (!arg.starts_with(prefix)) continue;
    std::string_view name = arg.substr(prefix.size());
    name = name.substr(0, name.find('='));
    for (auto flag : kNodeExporterRuntimeFlags) {
      if (name == flag) return true;
    }
  }
  return false;
}

// Removes the flags node-agent ignores from argv, with their separate value
// ("--collector.systemd.unit-include X"): node_exporter has no positional
// arguments, so an argument not starting with '-' after such a flag is its value.
std::vector<const char*> DropIgnoredFlags(int argc, const char* const* argv, std::vector<std::string>& ignored) {
  std::vector<const char*> kept;
  for (int i = 0; i < argc; ++i) {
    std::string_view arg = argv[i];
    bool drop = i > 0 && (IsUnimplementedNodeExporterCollector(CollectorOfFlag(arg)) || IsRuntimeFlag(arg));
    if (!drop) {
      kept.push_back(argv[i]);
      continue;
    }
    std::string flag(arg);
    bool takes_value = arg.find('=') == std::string_view::npos && i + 1 < argc && argv[i + 1][0] != '-' &&
                       (IsRuntimeFlag(arg) ? arg == "--runtime.gomaxprocs"
                                           : arg.find('.', arg.find("collector.") + 10) != std::string_view::npos);
    if (takes_value) flag += std::string(" ") + argv[++i];
    ignored.push_back(std::move(flag));
  }
  return kept;
}

// kingpin reads "--flag=" as the empty value; CLI11 2.1 would take the next
// argument as the value instead ("--collector.netdev.device-exclude=
// --web.listen-address=..." lost the listen address). "--flag" followed by
// an empty argument means the empty value to both.
std::vector<std::string> SplitEmptyValues(const std::vector<const char*>& args) {
  std::vector<std::string> out;
  out.reserve(args.size() + 1);
  for (std::string_view arg : args) {
    if (arg.size() > 3 && arg.starts_with("--") && arg.ends_with('=') && arg.find('=') == arg.size() - 1) {
      out.emplace_back(arg.substr(0, arg.size() - 1));
      out.emplace_back();
    } else {
      out.emplace_back(arg);
    }
  }
  return out;
}

// CLI11 2.1 prints a negated flag's value after its name
// ("--no-collector.cpu{false}"); the description already says it.
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option_name(const CLI::Option* opt, bool is_positional) const override {
    std::string name = CLI::Formatter::make_option_name(opt, is_positional);
    for (size_t at; (at = name.find("{false}")) != std::string::npos;) name.erase(at, 7);
    return name;
  }
};

}  // namespace

bool IsUnimplementedNodeExporterCollector(std::string_view name) {
  if (name.empty() || FindCollector(std::string(name)) != nullptr) return false;
  for (auto known : kNodeExporterCollectors) {
    if (name == known) return true;
  }
  return false;
}

namespace {

// Go durations as text until parsed (node_exporter's duration flags).
struct DurationFlags {
  std::string scrape_timeout = "10s";
  std::string scrape_timeout_margin = "500ms";
  std::string ray_sd_stale_after = "60s";
};

void AddWebFlags(CLI::App& app, Config& config, DurationFlags& durations) {
  config.listen_addresses.clear();
  app.add_option("--web.listen-address", config.listen_addresses,
                 "Address on which to expose metrics and web interface; repeatable. Default :9100")
      ->group("web")->type_name("HOST:PORT");
  app.add_option("--web.telemetry-path", config.telemetry_path, "Path under which to expose metrics.")
      ->group("web");
  app.add_flag("--web.disable-exporter-metrics", config.disable_exporter_metrics,
               "Exclude metrics about the exporter itself (process_*, promhttp_*, node_agent_build_info).")
      ->group("web");
  app.add_option("--web.max-requests", config.max_requests,
                 "Maximum number of parallel scrape requests. 0 disables the limit.")
      ->group("web")->check(CLI::NonNegativeNumber);
  // 10s is Prometheus' default scrape_timeout; 0.5s is blackbox_exporter's
  // --timeout-offset and windows_exporter's --scrape.timeout-margin.
  app.add_option("--scrape.timeout", durations.scrape_timeout,
                 "Deadline for a scrape's collectors when the request has no X-Prometheus-Scrape-Timeout-Seconds "
                 "header; a collector still running then reports node_scrape_collector_success 0.")
      ->group("web");
  app.add_option("--scrape.timeout-margin", durations.scrape_timeout_margin,
                 "Subtracted from X-Prometheus-Scrape-Timeout-Seconds to leave time to send the answer.")
      ->group("web");
  app.add_option("--web.config.file", config.web_config_file,
                 "Path to configuration file that can enable TLS or authentication (exporter-toolkit format). "
                 "Re-read on SIGHUP and when it or its certificates change.")
      ->group("web");
}

void AddPathAndLogFlags(CLI::App& app, Config& config) {
  app.add_option("--path.procfs", config.paths.procfs, "procfs mountpoint.")->group("paths");
  app.add_option("--path.sysfs", config.paths.sysfs, "sysfs mountpoint.")->group("paths");
  app.add_option("--path.rootfs", config.paths.rootfs, "rootfs mountpoint.")->group("paths");
  app.add_option("--path.udev.data", config.paths.udev_data, "udev data path.")->group("paths");
  app.add_option("--log.level", config.log_level, "Only log messages with the given severity or above.")
      ->group("logging")->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.add_option("--log.format", config.log_format, "Output format of log messages.")
      ->group("logging")->check(CLI::IsMember({"logfmt", "json"}));
}

void AddRayFlags(CLI::App& app, Config& config, DurationFlags& durations) {
  app.add_option("--ray.sd-file", config.ray_sd_file,
                 "Ray's Prometheus service discovery file, followed to write ours; empty disables. "
                 "Default /tmp/ray/prom_metrics_service_discovery.json")
      // "--ray.sd-file=" must give "": CLI11 rejects an empty value unless zero
      // values are allowed, and then substitutes a captured default.
      ->group("ray")->expected(0, 1)->always_capture_default(false)->default_str("");
  config.ray_sd_output.clear();
  app.add_option("--ray.sd-output", config.ray_sd_output,
                 "Where to write this agent's file_sd targets for every Ray node. "
                 "Default node_agent_service_discovery.json beside --ray.sd-file.")
      ->group("ray");
  app.add_option("--ray.sd-port", config.ray_sd_port,
                 "Port of the agents in the written targets. Default: the port of the first --web.listen-address.")
      ->group("ray")->check(CLI::Range(0, 65535));
  app.add_option("--ray.cluster-name", config.ray_cluster_name,
                 "Label every written target ray_io_cluster=NAME, the label Ray's Grafana dashboards filter "
                 "clusters on. Empty: no such label.")
      ->group("ray");
  app.add_option("--ray.sd-stale-after", durations.ray_sd_stale_after,
                 "Ray rewrites its file every 5s and leaves it behind on `ray stop`: once it is older than "
                 "this, only this node's own target is written. 0 keeps every target.")
      ->group("ray");
}

// The enable flags --collector.NAME / --no-collector.NAME (kingpin's bool
// flags) and each collector's own flags. enable_values[i], the returned
// options and own_flags[i] (the indices in app.get_options() of the flags
// its add_flags added) are registered[i]'s.
std::vector<CLI::Option*> AddCollectorFlags(CLI::App& app, Config& config, std::unique_ptr<bool[]>& enable_values,
                                            std::vector<std::pair<size_t, size_t>>& own_flags) {
  app.add_flag("--collector.disable-defaults", config.disable_defaults,
               "Set all collectors to disabled by default.")->group("collectors");
  const auto& registered = RegisteredCollectors();
  enable_values = std::make_unique<bool[]>(registered.size());
  std::vector<CLI::Option*> enable_flags;
  for (size_t i = 0; i < registered.size(); ++i) {
    const auto& info = registered[i];
    enable_values[i] = info.enabled_by_default;
    auto* opt = app.add_flag(fmt::format("--collector.{0},!--no-collector.{0}", info.name), enable_values[i],
                             fmt::format("Enable the {} collector (default: {}).", info.name,
                                         info.enabled_by_default ? "enabled" : "disabled"))
                    ->group("collectors");
    enable_flags.push_back(opt);
    size_t first = app.get_options().size();
    if (info.add_flags) info.add_flags(app);
    own_flags.emplace_back(first, app.get_options().size());
  }
  return enable_flags;
}

// --help-json (hidden): every flag as --help has it (names, group, type,
// default, help) and the collector registry with each collector's own flags,
// for the generated docs/collectors.md and the man page (docs/gen-docs.sh).
void PrintFlagsJson(CLI::App& app, const std::vector<std::pair<size_t, size_t>>& own_flags) {
  auto options = app.get_options();
  auto describe = [](CLI::Option* opt) {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& name : opt->get_snames()) names.push_back("-" + name);
    for (const auto& name : opt->get_lnames()) names.push_back("--" + name);
    // CLI11 appends each validator's description to the type name ("INT:NONNEGATIVE").
    std::string type = opt->get_expected_max() > 0 ? opt->get_type_name() : "";
    nlohmann::json checks = nlohmann::json::array();
    for (int i = 0; !type.empty(); ++i) {
      std::string description;
      try {
        description = opt->get_validator(i)->get_description();
      } catch (const CLI::OptionNotFound&) {
        break;
      }
      if (description.empty()) continue;
      checks.push_back(description);
      if (auto at = type.find(":" + description); at != std::string::npos) type.erase(at, description.size() + 1);
    }
    return nlohmann::json{{"names", names},
                          {"group", opt->get_group()},
                          {"takes_value", opt->get_expected_max() > 0},
                          {"repeatable", opt->get_expected_max() > 1},
                          {"type", type},
                          {"checks", checks},
                          {"default", opt->get_default_str()},
                          {"help", opt->get_description()}};
  };
  nlohmann::json out{{"name", app.get_name()},
                     {"description", app.get_description()},
                     {"version", NODE_AGENT_VERSION},
                     {"options", nlohmann::json::array()},
                     {"collectors", nlohmann::json::array()}};
  for (auto* opt : options) out["options"].push_back(describe(opt));
  const auto& registered = RegisteredCollectors();
  for (size_t i = 0; i < registered.size(); ++i) {
    nlohmann::json flags = nlohmann::json::array();
    for (size_t k = own_flags[i].first; k < own_flags[i].second; ++k) flags.push_back(describe(options[k]));
    out["collectors"].push_back(
        {{"name", registered[i].name}, {"enabled_by_default", registered[i].enabled_by_default}, {"flags", flags}});
  }
  std::cout << out.dump(1) << "\n";
}

// Returns false after naming the bad flag on stderr.
bool ResolveDurations(const DurationFlags& durations, Config& config) {
  for (auto [flag, text, into, min] :
       {std::tuple{"--scrape.timeout", &durations.scrape_timeout, &config.scrape_timeout, 1},
        std::tuple{"--scrape.timeout-margin", &durations.scrape_timeout_margin, &config.scrape_timeout_margin, 0},
        std::tuple{"--ray.sd-stale-after", &durations.ray_sd_stale_after, &config.ray_sd_stale_after, 0}}) {
    auto duration = ParseGoDuration(*text);
    if (!duration || duration->count() < min) {
      std::cerr << flag << ": invalid duration '" << *text << "' (e.g. 10s, 500ms"
                << (min > 0 ? "; must be positive" : "") << ")\n";
      return false;
    }
    *into = *duration;
  }
  return true;
}

// Returns false after naming the bad flag on stderr.
bool ResolveRaySdOutput(Config& config) {
  if (config.ray_sd_file.empty()) return true;
  namespace fs = std::filesystem;
  if (config.ray_sd_output.empty()) {
    config.ray_sd_output = (fs::path(config.ray_sd_file).parent_path() / "node_agent_service_discovery.json").string();
  }
  // Writing over Ray's own file would lose every Ray target.
  auto normal = [](const std::string& p) { return fs::absolute(p).lexically_normal(); };
  if (normal(config.ray_sd_output) == normal(config.ray_sd_file)) {
    std::cerr << "--ray.sd-output: must not be the --ray.sd-file itself (" << config.ray_sd_file << ")\n";
    return false;
  }
  return true;
}

void ResolveEnabledCollectors(const std::vector<CLI::Option*>& enable_flags, const bool* enable_values,
                              Config& config) {
  const auto& registered = RegisteredCollectors();
  config.enabled_collectors.clear();
  for (size_t i = 0; i < registered.size(); ++i) {
    // An explicit flag wins; otherwise the collector's default, unless
    // --collector.disable-defaults.
    bool enabled = enable_flags[i]->count() > 0 ? enable_values[i]
                                                : (!config.disable_defaults && registered[i].enabled_by_default);
    // Recorded for collectors that depend on others (node_exporter's collectorState).
    SetCollectorEnabled(registered[i].name, enabled);
    if (enabled) config.enabled_collectors.push_back(registered[i].name);
  }
}

}  // namespace

int ParseFlags(int argc, const char* const* argv, Config& config) {
  CLI::App app{"node-agent: a node_exporter-compatible exporter of hardware and OS metrics for Ray clusters.",
               "node-agent"};
  app.set_version_flag("--version", fmt::format("node-agent, version {} (revision: {})", NODE_AGENT_VERSION,
                                                NODE_AGENT_REVISION));
  app.formatter(std::make_shared<HelpFormatter>());
  app.get_formatter()->column_width(60);
  app.option_defaults()->always_capture_default();

  DurationFlags durations;
  AddWebFlags(app, config, durations);
  AddPathAndLogFlags(app, config);
  AddRayFlags(app, config, durations);
  std::unique_ptr<bool[]> enable_values;
  std::vector<std::pair<size_t, size_t>> own_flags;
  std::vector<CLI::Option*> enable_flags = AddCollectorFlags(app, config, enable_values, own_flags);
  bool help_json = false;
  app.add_flag("--help-json", help_json, "Print every flag and collector as JSON (for the docs) and exit.")
      ->group("");  // hidden

  config.ignored_flags.clear();
  std::vector<std::string> split = SplitEmptyValues(DropIgnoredFlags(argc, argv, config.ignored_flags));
  std::vector<const char*> args;
  for (const auto& arg : split) args.push_back(arg.c_str());
  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (help_json) {
    PrintFlagsJson(app, own_flags);
    return 0;
  }
  if (config.listen_addresses.empty()) config.listen_addresses = {":9100"};
  if (!ResolveDurations(durations, config) || !ResolveRaySdOutput(config)) return 2;
  ResolveEnabledCollectors(enable_flags, enable_values.get(), config);
  return -1;
}

}  // namespace node_agent
