#include "collectors/powersupplyclass.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "lib/go_compat.h"
#include "lib/log.h"
#include "lib/regex.h"

namespace node_agent {

namespace {

// A numeric attribute: its file, the metric node_exporter exports it as
// (empty: parsed but not exported) and the divisor to base units.
struct NumericAttr {
  std::string_view file;
  std::string_view metric;
  double divisor;
};
constexpr NumericAttr kNumericAttrs[] = {
    {"authentic", "authentic", 1},
    {"calibrate", "calibrate", 1},
    {"capacity", "capacity", 1},
    {"capacity_alert_max", "capacity_alert_max", 1},
    {"capacity_alert_min", "capacity_alert_min", 1},
    {"cycle_count", "cyclecount", 1},
    {"online", "online", 1},
    {"present", "present", 1},
    {"time_to_empty_now", "time_to_empty_seconds", 1},
    {"time_to_full_now", "time_to_full_seconds", 1},
    {"current_boot", "current_boot", 1e6},
    {"current_max", "current_max", 1e6},
    {"current_now", "current_ampere", 1e6},
    {"energy_empty", "energy_empty", 1e6},
    {"energy_empty_design", "energy_empty_design", 1e6},
    {"energy_full", "energy_full", 1e6},
    {"energy_full_design", "energy_full_design", 1e6},
    {"energy_now", "energy_watthour", 1e6},
    {"voltage_boot", "voltage_boot", 1e6},
    {"voltage_max", "voltage_max", 1e6},
    {"voltage_max_design", "voltage_max_design", 1e6},
    {"voltage_min", "voltage_min", 1e6},
    {"voltage_min_design", "voltage_min_design", 1e6},
    {"voltage_now", "voltage_volt", 1e6},
    {"voltage_ocv", "voltage_ocv", 1e6},
    {"charge_control_limit", "charge_control_limit", 1e6},
    {"charge_control_limit_max", "charge_control_limit_max", 1e6},
    {"charge_counter", "charge_counter", 1e6},
    {"charge_empty", "charge_empty", 1e6},
    {"charge_empty_design", "charge_empty_design", 1e6},
    {"charge_full", "charge_full", 1e6},
    {"charge_full_design", "charge_full_design", 1e6},
    {"charge_now", "charge_ampere", 1e6},
    {"charge_term_current", "charge_term_current", 1e6},
    {"constant_charge_current", "constant_charge_current", 1e6},
    {"constant_charge_current_max", "constant_charge_current_max", 1e6},
    {"constant_charge_voltage", "constant_charge_voltage", 1e6},
    {"constant_charge_voltage_max", "constant_charge_voltage_max", 1e6},
    {"precharge_current", "precharge_current", 1e6},
    {"input_current_limit", "input_current_limit", 1e6},
    {"power_now", "power_watt", 1e6},
    {"temp", "temp_celsius", 10},
    {"temp_alert_max", "temp_alert_max_celsius", 10},
    {"temp_alert_min", "temp_alert_min_celsius", 10},
    {"temp_ambient", "temp_ambient_celsius", 10},
    {"temp_ambient_max", "temp_ambient_max_celsius", 10},
    {"temp_ambient_min", "temp_ambient_min_celsius", 10},
    {"temp_max", "temp_max_celsius", 10},
    {"temp_min", "temp_min_celsius", 10},
    {"charge_avg", "", 1},
    {"current_avg", "", 1},
    {"energy_avg", "", 1},
    {"power_avg", "", 1},
    {"time_to_empty_avg", "", 1},
    {"time_to_full_avg", "", 1},
    {"voltage_avg", "", 1},
};

// String attributes and their node_power_supply_info label, in label order
// (power_supply, the supply's name, goes between model_name and scope).
struct StringAttr {
  std::string_view file;
  std::string_view label;
};
constexpr StringAttr kStringAttrs[] = {
    {"capacity_level", "capacity_level"}, {"charge_type", "charge_type"},
    {"health", "health"},                 {"manufacturer", "manufacturer"},
    {"model_name", "model_name"},         {"scope", "scope"},
    {"serial_number", "serial_number"},   {"status", "status"},
    {"technology", "technology"},         {"type", "type"},
    {"usb_type", "usb_type"},
};

}  // namespace

PowerSupplyAttr SetPowerSupplyAttribute(PowerSupply& ps, std::string_view file, std::string_view value) {
  for (const NumericAttr& a : kNumericAttrs) {
    if (a.file != file) continue;
    auto v = ParseGoInt(value, 0, 64);
    if (!v) return PowerSupplyAttr::kBadNumber;
    ps.numbers[std::string(file)] = *v;
    return PowerSupplyAttr::kStored;
  }
  for (const StringAttr& a : kStringAttrs) {
    if (a.file != file) continue;
    ps.strings[std::string(file)] = std::string(value);
    return PowerSupplyAttr::kStored;
  }
  return PowerSupplyAttr::kIgnored;
}

void AddPowerSupplyMetrics(const PowerSupply& ps, MetricSet& out) {
  for (const NumericAttr& a : kNumericAttrs) {
    if (a.metric.empty()) continue;
    auto it = ps.numbers.find(a.file);
    if (it == ps.numbers.end()) continue;
    out.Gauge(fmt::format("node_power_supply_{}", a.metric),
              fmt::format("{} value of /sys/class/power_supply/<power_supply>.", a.metric),
              {{"power_supply", ps.name}}, static_cast<double>(it->second) / a.divisor);
  }
  Labels labels;
  bool name_added = false;
  for (const StringAttr& a : kStringAttrs) {
    if (!name_added && a.label > std::string_view("power_supply")) {
      labels.push_back({"power_supply", ToValidUtf8(ps.name)});
      name_added = true;
    }
    auto it = ps.strings.find(a.file);
    if (it != ps.strings.end() && !it->second.empty()) labels.push_back({std::string(a.label), ToValidUtf8(it->second)});
  }
  out.Gauge("node_power_supply_info", "info of /sys/class/power_supply/<power_supply>.", std::move(labels), 1);
}

namespace {

PowerSupplyOptions g_options;

void AddPowerSupplyFlags(CLI::App& app) {
  app.add_option("--collector.powersupply.ignored-supplies", g_options.ignored_supplies,
                 "Regexp of power supplies to ignore for powersupplyclass collector.")
      ->default_str("^$")
      ->group("powersupplyclass collector");
}

// procfs skips attributes that are absent or that the driver does not
// support (ENOENT, EOPNOTSUPP, ENODEV); any other error fails the scrape.
bool SkippableReadError(int err) { return err == ENOENT || err == EOPNOTSUPP || err == ENODEV; }

class PowerSupplyClassCollector : public Collector {
 public:
  PowerSupplyClassCollector(const Paths& paths, const PowerSupplyOptions& options)
      : dir_(paths.Sys("class/power_supply")),
        class_lister_(dir_, IsSysfsMount(paths.sysfs)),
        ignored_(Regex::ForFlag("collector.powersupply.ignored-supplies", options.ignored_supplies)) {}

  void Collect(MetricSet& out) override {
    std::vector<DirEntry> supplies;
    if (!List(class_lister_, supplies)) return out.SetNoData("no power supplies: " + dir_);
    std::vector<PowerSupply> parsed;
    for (const DirEntry& s : supplies) {
      // node_exporter parses every supply and drops the ignored ones after;
      // here an ignored supply is not read at all.
      if (ignored_.Matches(s.name)) continue;
      parsed.push_back(Read(s.name));
    }
    for (const PowerSupply& ps : parsed) AddPowerSupplyMetrics(ps, out);
  }

 private:
  // False where `dir` does not exist: no power_supply class, or a supply
  // gone since the class was listed (node_exporter's ErrNoData either way).
  static bool List(DirLister& lister, std::vector<DirEntry>& entries) {
    if (int err = lister.List(entries); err != 0) {
      if (err == ENOENT) return false;
      throw std::runtime_error(
          fmt::format("could not get power_supply class info: {}: {}", lister.path(), std::strerror(err)));
    }
    return true;
  }

  PowerSupply Read(const std::string& name) {
    PowerSupply ps;
    ps.name = name;
    std::string dir = dir_ + "/" + name;
    std::vector<DirEntry> files;
    DirLister lister(dir, false);
    if (!List(lister, files)) throw NoDataError("no power supplies: " + dir);
    std::string value;
    for (const DirEntry& f : files) {
      if (f.type != DT_REG) continue;
      std::string path = dir + "/" + f.name;
      if (int err = SysReadFile(path, value); err != 0) {
        if (SkippableReadError(err)) continue;
        throw std::runtime_error(fmt::format("failed to read file {}: {}", path, std::strerror(err)));
      }
      if (SetPowerSupplyAttribute(ps, f.name, value) == PowerSupplyAttr::kBadNumber) {
        throw std::runtime_error(fmt::format("failed to parse {}: \"{}\"", path, value));
      }
    }
    return ps;
  }

  std::string dir_;
  DirLister class_lister_;
  Regex ignored_;
};

std::unique_ptr<Collector> CreatePowerSupplyClass(const Paths& paths) {
  return NewPowerSupplyClassCollector(paths, g_options);
}

NODE_AGENT_REGISTER_COLLECTOR("powersupplyclass", kEnabledByDefault, &AddPowerSupplyFlags, &CreatePowerSupplyClass);

}  // namespace

std::unique_ptr<Collector> NewPowerSupplyClassCollector(const Paths& paths, const PowerSupplyOptions& options) {
  return std::make_unique<PowerSupplyClassCollector>(paths, options);
}

}  // namespace node_agent
