#include "collectors/hwmon/libsensors.h"

#include <fmt/format.h>

#include <sensors/error.h>
#include <sensors/sensors.h>

#include <climits>
#include <cstdlib>
#include <mutex>

#include "collectors/hwmon/hwmon.h"

namespace node_agent {

namespace {

// node_exporter's sensor key for a libsensors feature name: "beep_enable"
// becomes "beep_enable0", as node_exporter appends the (absent) index.
std::string SensorKey(const std::string& feature) {
  auto parsed = ParseSensorFileName(feature);
  if (!parsed) return feature;
  return parsed->type + std::to_string(parsed->index);
}

std::mutex g_mutex;
std::string* g_parse_errors = nullptr;  // guarded by g_mutex

void OnParseError(const char* err, const char* filename, int lineno) {
  if (!g_parse_errors) return;
  if (!g_parse_errors->empty()) g_parse_errors->append("; ");
  g_parse_errors->append(filename ? filename : "config");
  g_parse_errors->append(fmt::format(":{}: {}", lineno, err ? err : "parse error"));
}

// Features and labels of every detected chip, by canonical attribute dir.
std::map<std::string, FeatureLabels> ReadChips() {
  std::map<std::string, FeatureLabels> chips;
  int chip_nr = 0;
  while (const sensors_chip_name* chip = sensors_get_detected_chips(nullptr, &chip_nr)) {
    if (!chip->path) continue;
    char buf[PATH_MAX];
    std::string key = ::realpath(chip->path, buf) ? std::string(buf) : std::string(chip->path);
    FeatureLabels& features = chips[key];
    int feature_nr = 0;
    while (const sensors_feature* feature = sensors_get_features(chip, &feature_nr)) {
      char* label = sensors_get_label(chip, feature);
      features[feature->name] = label ? label : feature->name;
      std::free(label);
    }
  }
  return chips;
}

// One sensors_init/read/cleanup cycle. Caller holds g_mutex.
// Syntax errors do not fail sensors_init (libsensors skips the statement and
// goes on, as `sensors` does); they are appended to *parse_errors.
std::optional<std::map<std::string, FeatureLabels>> ReadWithConfig(FILE* config,
                                                                   std::string* error,
                                                                   std::string* parse_errors) {
  g_parse_errors = parse_errors;
  int rc = sensors_init(config);
  g_parse_errors = nullptr;
  if (rc != 0) {
    *error = sensors_strerror(rc);
    if (!parse_errors->empty()) *error += ": " + *parse_errors;
    sensors_cleanup();
    return std::nullopt;
  }
  auto chips = ReadChips();
  sensors_cleanup();
  return chips;
}

}  // namespace

SensorsChipConfig DiffSensorsConfig(const FeatureLabels& baseline,
                                    const FeatureLabels& configured) {
  SensorsChipConfig out;
  for (const auto& [feature, label] : baseline) {
    auto it = configured.find(feature);
    if (it == configured.end()) {
      out.ignored.insert(SensorKey(feature));
    } else if (it->second != label) {
      out.labels[SensorKey(feature)] = it->second;
    }
  }
  return out;
}

bool ApplySensorsChipConfig(const SensorsChipConfig& config, const std::string& sensor_key,
                            std::optional<std::string>& label) {
  if (config.ignored.count(sensor_key)) return false;
  if (auto it = config.labels.find(sensor_key); it != config.labels.end()) label = it->second;
  return true;
}

std::optional<SensorsConfig> LoadSensorsConfig(FILE* config, std::string* error,
                                               std::string* parse_errors) {
  std::string ignored_errors;
  if (!parse_errors) parse_errors = &ignored_errors;
  std::lock_guard<std::mutex> lock(g_mutex);
  // libsensors reports syntax errors through this hook (default: stderr).
  sensors_parse_error_wfn = &OnParseError;

  FILE* empty = std::fopen("/dev/null", "r");
  if (!empty) {
    *error = "cannot open /dev/null for the baseline configuration";
    return std::nullopt;
  }
  std::string baseline_errors;  // an empty file has none
  auto baseline = ReadWithConfig(empty, error, &baseline_errors);
  std::fclose(empty);
  if (!baseline) return std::nullopt;
  auto configured = ReadWithConfig(config, error, parse_errors);
  if (!configured) return std::nullopt;

  SensorsConfig out;
  for (const auto& [path, features] : *baseline) {
    auto it = configured->find(path);
    // A chip seen only once went away between the two reads: leave it be.
    if (it == configured->end()) continue;
    SensorsChipConfig chip = DiffSensorsConfig(features, it->second);
    if (!chip.ignored.empty() || !chip.labels.empty()) out[path] = std::move(chip);
  }
  return out;
}

}  // namespace node_agent
