// lm-sensors configuration (`label`, `ignore`) for the hwmon collector, read
// through libsensors.
//
// libsensors exposes no "is this feature ignored" or "is this label
// configured" call: sensors_get_features() silently skips ignored features
// and sensors_get_label() returns the configured label, else the sysfs label,
// else the feature name. So the configuration is derived by difference: the
// chips' features and labels with an empty configuration (the baseline) are
// compared with those under the real configuration. That needs no parsing of
// the configuration language here and leaves chip matching (prefixes, buses,
// wildcards) to libsensors.
#pragma once

#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace node_agent {

// One chip's effective configuration, keyed by node_exporter's sensor key
// ("temp1", "beep_enable0", ...).
struct SensorsChipConfig {
  std::set<std::string> ignored;
  std::map<std::string, std::string> labels;  // configured labels only
};
// Keyed by the canonical sysfs directory of the chip's attributes.
using SensorsConfig = std::map<std::string, SensorsChipConfig>;

// libsensors feature name ("temp1", "cpu0", "beep_enable") -> its label.
using FeatureLabels = std::map<std::string, std::string>;

// Pure: the configuration that turns `baseline` (empty configuration) into
// `configured`: features missing from `configured` are ignored; labels that
// differ are configured.
SensorsChipConfig DiffSensorsConfig(const FeatureLabels& baseline, const FeatureLabels& configured);

// Pure: applies a chip's configuration to one sensor. Returns false when the
// sensor is ignored; otherwise replaces `label` with a configured one.
bool ApplySensorsChipConfig(const SensorsChipConfig& config, const std::string& sensor_key,
                            std::optional<std::string>& label);

// Reads the configuration through libsensors for the chips it detects under
// the mounted /sys. `config`: the configuration to apply (nullptr: the
// default /etc/sensors3.conf and /etc/sensors.d/*). Chips without any
// label/ignore effect are left out. nullopt with *error set when libsensors
// fails. Syntax errors do not fail it: libsensors skips the bad statement
// (as the `sensors` tool does) and they are reported in *parse_errors
// ("file:line: message; ..."). Serialised internally: libsensors keeps
// global state.
std::optional<SensorsConfig> LoadSensorsConfig(FILE* config, std::string* error,
                                               std::string* parse_errors = nullptr);

}  // namespace node_agent
