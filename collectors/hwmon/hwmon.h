// hwmon collector: node_exporter's collector/hwmon_linux.go (v1.12), reading
// /sys/class/hwmon, optionally honouring lm-sensors `label`/`ignore`
// configuration through libsensors on the live /sys.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lib/collector.h"
#include "lib/go_compat.h"  // ToValidUtf8, DecodeRune
#include "lib/metrics.h"

namespace node_agent {

struct HwmonOptions {
  std::string chip_include;
  std::string chip_exclude;
  std::string sensor_include;
  std::string sensor_exclude;
  // Apply /etc/sensors3.conf and /etc/sensors.d/* via libsensors. Only takes
  // effect when the sysfs root is the live "/sys": libsensors always reads the
  // mounted sysfs, so its configuration cannot describe a fixture tree.
  bool libsensors = true;
};

// Throws std::invalid_argument naming the flag when a regex is invalid.
std::unique_ptr<Collector> NewHwmonCollector(const Paths& paths, const HwmonOptions& options);

// ---- Pure parsing/formatting pieces, unit-tested on their own. ----

// A sensor attribute file name split as node_exporter does with
// ^(?P<type>[^0-9]+)(?P<id>[0-9]*)?(_(?P<property>.+))?$ :
// "temp1_input" -> {temp, 1, input}, "in0" -> {in, 0, ""},
// "beep_enable" -> {beep_enable, 0, ""}.
struct SensorFileName {
  std::string type;
  int64_t index = 0;
  std::string property;
};
std::optional<SensorFileName> ParseSensorFileName(std::string_view filename);

// Whether `type` is one node_exporter reads (temp, in, fan, pwm, freq, ...).
bool IsHwmonSensorType(std::string_view type);

// node_exporter's cleanMetricName: lower-case, every rune outside [a-z0-9:_]
// becomes '_', leading/trailing '_' trimmed. "Core 0" -> "core_0".
std::string CleanMetricName(std::string_view name);

// Chip label from the resolved `device` path:
// "/sys/devices/platform/coretemp.0" -> "platform_coretemp_0";
// "" when neither of the last two components survives cleaning.
std::string ChipNameFromDevicePath(std::string_view device_path);

// What one hwmon directory offers for naming.
struct ChipIdentity {
  std::string base;            // device-derived, else name file, else hwmonN
  std::string human_name;      // cleaned `name` file; "" when absent
  std::string hwmon_basename;  // "hwmon3"
};
// node_exporter's chip labels: the base name, except where several chips
// share one base (several hwmon nodes under one parent device): then
// base + "_" + name file when that name is unique in the group, else
// base + "_" + hwmonN.
std::vector<std::string> AssignChipLabels(const std::vector<ChipIdentity>& chips);

// How one sensor element (a property file) becomes a sample.
struct HwmonMetricSpec {
  enum class Op { kMul, kDiv };
  std::string name;
  std::string help;
  MetricType type = MetricType::Gauge;
  Op op = Op::kMul;
  double factor = 1.0;
  // freq*_input: the sensor label becomes the cleaned sysfs label.
  bool sensor_from_label = false;

  double Apply(double v) const { return op == Op::kMul ? v * factor : v / factor; }
};
// The metric for `element` ("input", "max", "" for a plain value file ...) of
// a sensor of `type`; nullopt when node_exporter emits nothing for it.
// `has_plain_value`: the sensor also has a value file without property
// (then "input" is named *_input_*). Not for beep_enable/vrm/update_interval,
// which HwmonEmitSensor handles as whole sensors.
std::optional<HwmonMetricSpec> HwmonMetricFor(std::string_view type, std::string_view element,
                                              bool has_plain_value, bool has_label);

// One sensor's data for a scrape: its label (when any) and the property
// values read (already stripped of '\n').
struct HwmonSensorData {
  std::optional<std::string> label;
  std::vector<std::pair<std::string, std::string>> values;  // property -> raw value
};
// Adds every sample node_exporter emits for one sensor.
void HwmonEmitSensor(MetricSet& out, const std::string& chip, const std::string& sensor,
                     const HwmonSensorData& data);

}  // namespace node_agent
