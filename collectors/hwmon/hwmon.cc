#include "collectors/hwmon/hwmon.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <stdexcept>

#include "lib/device_filter.h"
#include "lib/fs.h"
#include "collectors/hwmon/libsensors.h"
#include "lib/log.h"
#include "lib/sysfs_link.h"

namespace node_agent {

// ---------------------------------------------------------------------------
// Pure pieces.

std::optional<SensorFileName> ParseSensorFileName(std::string_view s) {
  // Mirrors the leftmost-first (greedy, backtracking) match of node_exporter's
  // regexp: the type is the longest non-digit prefix that still lets the rest
  // match; with a shorter type the id is necessarily empty.
  size_t n = 0;
  while (n < s.size() && !(s[n] >= '0' && s[n] <= '9')) ++n;
  if (n == 0) return std::nullopt;
  auto rest_ok = [](std::string_view rest) {
    return rest.empty() || (rest.size() >= 2 && rest[0] == '_');
  };
  size_t d = n;
  while (d < s.size() && s[d] >= '0' && s[d] <= '9') ++d;
  if (rest_ok(s.substr(d))) {
    SensorFileName out;
    out.type = std::string(s.substr(0, n));
    if (d > n) {
      auto id = ParseInt(s.substr(n, d - n));
      if (!id) return std::nullopt;  // Go: Atoi overflow -> not a sensor file
      out.index = *id;
    }
    if (d < s.size()) out.property = std::string(s.substr(d + 1));
    return out;
  }
  // Backtrack: a shorter type followed directly by "_property".
  for (size_t t = n - 1; t >= 1; --t) {
    if (s[t] == '_' && t + 1 < s.size()) {
      return SensorFileName{std::string(s.substr(0, t)), 0, std::string(s.substr(t + 1))};
    }
  }
  return std::nullopt;
}

bool IsHwmonSensorType(std::string_view type) {
  static constexpr std::string_view kTypes[] = {
      "vrm",  "beep_enable", "update_interval", "in",     "cpu",      "fan",       "pwm",
      "temp", "curr",        "power",           "energy", "humidity", "intrusion", "freq"};
  return std::find(std::begin(kTypes), std::end(kTypes), type) != std::end(kTypes);
}

std::string CleanMetricName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < name.size();) {
    char32_t r = 0;
    size_t len = DecodeRune(name, i, &r);
    if (len == 0) len = 1, r = 0xFFFD;
    // Go lower-cases rune by rune; the only non-ASCII runes whose lower case
    // is ASCII are KELVIN SIGN and LATIN CAPITAL I WITH DOT ABOVE.
    if (r == 0x212A) r = 'k';
    if (r == 0x130) r = 'i';
    if (r >= 'A' && r <= 'Z') r = r - 'A' + 'a';
    bool keep = (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == ':' || r == '_';
    out.push_back(keep ? static_cast<char>(r) : '_');
    i += len;
  }
  size_t b = out.find_first_not_of('_');
  if (b == std::string::npos) return {};
  size_t e = out.find_last_not_of('_');
  return out.substr(b, e - b + 1);
}

std::string ChipNameFromDevicePath(std::string_view device_path) {
  // Go: filepath.Split, then the last element of the trimmed prefix.
  auto slash = device_path.rfind('/');
  std::string_view dev_name =
      slash == std::string_view::npos ? device_path : device_path.substr(slash + 1);
  std::string_view prefix =
      slash == std::string_view::npos ? std::string_view{} : device_path.substr(0, slash + 1);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  auto slash2 = prefix.rfind('/');
  std::string_view dev_type = slash2 == std::string_view::npos ? prefix : prefix.substr(slash2 + 1);
  std::string clean_name = CleanMetricName(dev_name);
  std::string clean_type = CleanMetricName(dev_type);
  if (!clean_type.empty() && !clean_name.empty()) return clean_type + "_" + clean_name;
  return clean_name;
}

std::vector<std::string> AssignChipLabels(const std::vector<ChipIdentity>& chips) {
  std::map<std::string_view, int> base_count;
  std::map<std::pair<std::string_view, std::string_view>, int> name_count;
  for (const auto& c : chips) {
    ++base_count[c.base];
    ++name_count[{c.base, c.human_name}];
  }
  std::vector<std::string> labels;
  labels.reserve(chips.size());
  for (const auto& c : chips) {
    if (base_count[c.base] <= 1) {
      labels.push_back(c.base);
    } else if (!c.human_name.empty() && name_count[{c.base, c.human_name}] == 1) {
      labels.push_back(c.base + "_" + c.human_name);
    } else {
      labels.push_back(c.base + "_" + CleanMetricName(c.hwmon_basename));
    }
  }
  return labels;
}

std::optional<HwmonMetricSpec> HwmonMetricFor(std::string_view type, std::string_view element,
                                              bool has_plain_value, bool has_label) {
  using Op = HwmonMetricSpec::Op;
  if (element == "label") return std::nullopt;
  std::string e(element);
  std::string name = fmt::format("node_hwmon_{}", type);
  if (element == "input") {
    if (has_plain_value) name += "_input";
  } else if (!element.empty()) {
    name += "_" + CleanMetricName(element);
  }
  auto spec = [&](std::string n, std::string help, Op op, double factor,
                  MetricType mt = MetricType::Gauge) {
    HwmonMetricSpec s;
    s.name = std::move(n);
    s.help = std::move(help);
    s.type = mt;
    s.op = op;
    s.factor = factor;
    return s;
  };
  // Unitless status elements.
  if (element == "fault" || element == "alarm") {
    return spec(name, fmt::format("Hardware sensor {} status ({})", e, type), Op::kMul, 1);
  }
  if (element == "beep") {
    return spec(name + "_enabled", "Hardware monitor sensor has beeping enabled", Op::kMul, 1);
  }
  if (type == "in" || type == "cpu") {
    return spec(name + "_volts", fmt::format("Hardware monitor for voltage ({})", e), Op::kMul,
                0.001);
  }
  if (type == "temp" && element != "type") {
    return spec(name + "_celsius",
                fmt::format("Hardware monitor for temperature ({})", e.empty() ? "input" : e),
                Op::kMul, 0.001);
  }
  if (type == "curr") {
    return spec(name + "_amps", fmt::format("Hardware monitor for current ({})", e), Op::kMul,
                0.001);
  }
  if (type == "energy") {
    return spec(name + "_joule_total",
                fmt::format("Hardware monitor for joules used so far ({})", e), Op::kDiv, 1e6,
                MetricType::Counter);
  }
  if (type == "power" && element == "accuracy") {
    return spec(name, "Hardware monitor power meter accuracy, as a ratio", Op::kDiv, 1e6);
  }
  if (type == "power" && (element == "average_interval" || element == "average_interval_min" ||
                          element == "average_interval_max")) {
    return spec(name + "_seconds",
                fmt::format("Hardware monitor power usage update interval ({})", e), Op::kMul,
                0.001);
  }
  if (type == "power") {
    return spec(name + "_watt", fmt::format("Hardware monitor for power usage in watts ({})", e),
                Op::kDiv, 1e6);
  }
  if (type == "humidity") {
    return spec(name,
                fmt::format("Hardware monitor for humidity, as a ratio (multiply with 100.0 to "
                            "get the humidity as a percentage) ({})",
                            e),
                Op::kDiv, 1e6);
  }
  if (type == "fan" &&
      (element == "input" || element == "min" || element == "max" || element == "target")) {
    return spec(name + "_rpm",
                fmt::format("Hardware monitor for fan revolutions per minute ({})", e), Op::kMul,
                1);
  }
  if (type == "freq" && element == "input") {
    if (!has_label) return std::nullopt;
    auto s = spec(name + "_freq_mhz", "Hardware monitor for GPU frequency in MHz", Op::kDiv, 1e6);
    s.sensor_from_label = true;
    return s;
  }
  return spec(name, fmt::format("Hardware monitor {} element {}", type, e), Op::kMul, 1);
}

namespace {

// A sensor with everything derivable from its file names and label computed
// once, so a scrape only reads and parses values.
struct PreparedSensor {
  enum class Kind { kElements, kBeepEnable, kVrm, kUpdateInterval };
  std::string key;  // "temp1": the sensor label value
  Kind kind = Kind::kElements;
  std::optional<std::string> label;  // valid UTF-8
  std::string freq_sensor;           // cleaned label, for freq*_input
  struct Element {
    std::string property;
    // Spec when the sensor has / lacks a plain value this scrape ("input"
    // is then named *_input_*).
    std::optional<HwmonMetricSpec> with_plain, without_plain;
  };
  std::vector<Element> elements;
  int plain_index = -1;  // element with property ""
};

PreparedSensor PrepareSensor(const std::string& key, std::optional<std::string> label,
                             const std::vector<std::string>& properties) {
  PreparedSensor p;
  p.key = key;
  auto parsed = ParseSensorFileName(key);
  std::string type = parsed ? parsed->type : key;
  if (label) {
    p.label = ToValidUtf8(*label);
    p.freq_sensor = CleanMetricName(*label);
  }
  if (type == "beep_enable") p.kind = PreparedSensor::Kind::kBeepEnable;
  if (type == "vrm") p.kind = PreparedSensor::Kind::kVrm;
  if (type == "update_interval") p.kind = PreparedSensor::Kind::kUpdateInterval;
  for (const auto& prop : properties) {  // "label" excluded by callers
    PreparedSensor::Element e;
    e.property = prop;
    if (p.kind == PreparedSensor::Kind::kElements) {
      e.with_plain = HwmonMetricFor(type, prop, true, label.has_value());
      e.without_plain = HwmonMetricFor(type, prop, false, label.has_value());
    }
    if (prop.empty()) p.plain_index = static_cast<int>(p.elements.size());
    p.elements.push_back(std::move(e));
  }
  return p;
}

// `values[i]` is element i's value this scrape (nullopt: read failed).
void EmitPrepared(MetricSet& out, const std::string& chip, const PreparedSensor& s,
                  const std::vector<std::optional<std::string_view>>& values) {
  bool any = s.label.has_value();
  for (const auto& v : values) any = any || v.has_value();
  if (!any) return;  // node_exporter only knows sensors with some readable file

  if (s.label) {
    out.Gauge("node_hwmon_sensor_label", "Label for given chip and sensor",
              {{"chip", chip}, {"sensor", s.key}, {"label", *s.label}}, 1.0);
  }
  std::optional<std::string_view> plain;
  if (s.plain_index >= 0) plain = values[s.plain_index];
  Labels labels{{"chip", chip}, {"sensor", s.key}};
  switch (s.kind) {
    case PreparedSensor::Kind::kBeepEnable:
      out.Gauge("node_hwmon_beep_enabled", "Hardware beep enabled", std::move(labels),
                plain && *plain == "1" ? 1.0 : 0.0);
      return;
    case PreparedSensor::Kind::kVrm:
      if (auto v = ParseGoFloat(plain.value_or(""))) {
        out.Gauge("node_hwmon_voltage_regulator_version", "Hardware voltage regulator",
                  std::move(labels), *v);
      }
      return;
    case PreparedSensor::Kind::kUpdateInterval:
      if (auto v = ParseGoFloat(plain.value_or(""))) {
        out.Gauge("node_hwmon_update_interval_seconds", "Hardware monitor update interval",
                  std::move(labels), *v * 0.001);
      }
      return;
    case PreparedSensor::Kind::kElements:
      break;
  }
  for (size_t i = 0; i < s.elements.size(); ++i) {
    if (!values[i]) continue;
    const auto& spec = plain ? s.elements[i].with_plain : s.elements[i].without_plain;
    if (!spec) continue;
    auto v = ParseGoFloat(*values[i]);
    if (!v) continue;
    Labels l = labels;
    if (spec->sensor_from_label) l[1].value = s.freq_sensor;
    out.Add(spec->type, spec->name, spec->help, std::move(l), spec->Apply(*v));
  }
}

std::string_view TrimNewlines(std::string_view v) {
  while (!v.empty() && v.front() == '\n') v.remove_prefix(1);
  while (!v.empty() && v.back() == '\n') v.remove_suffix(1);
  return v;
}

}  // namespace

void HwmonEmitSensor(MetricSet& out, const std::string& chip, const std::string& sensor,
                     const HwmonSensorData& data) {
  std::vector<std::string> props;
  std::vector<std::optional<std::string_view>> values;
  for (const auto& [prop, value] : data.values) {
    if (prop == "label") continue;  // labels come in data.label
    props.push_back(prop);
    values.emplace_back(value);
  }
  EmitPrepared(out, chip, PrepareSensor(sensor, data.label, props), values);
}

// ---------------------------------------------------------------------------
// The collector.

namespace {

class HwmonCollector : public Collector {
 public:
  HwmonCollector(const Paths& paths, const HwmonOptions& options)
      : paths_(paths),
        options_(options),
        chip_filter_("collector.hwmon.chip-exclude", options.chip_exclude,
                     "collector.hwmon.chip-include", options.chip_include),
        sensor_filter_("collector.hwmon.sensor-exclude", options.sensor_exclude,
                       "collector.hwmon.sensor-include", options.sensor_include) {}

  void Collect(MetricSet& out) override {
    const std::string class_dir = paths_.Sys("class/hwmon");
    if (!IsDir(class_dir)) {
      log::Debug("hwmon collector metrics are not available for this system");
      return out.SetNoData("hwmon: " + class_dir + " does not exist");
    }
    // The listing is the cheap change detector: chips come and go with
    // drivers, and everything static about them is re-read only then.
    std::vector<std::string> listing = ListDir(class_dir);
    if (rescan_ || listing != listing_) {
      listing_ = std::move(listing);
      Rescan(class_dir);
    }

    std::vector<std::optional<std::string_view>> values;
    for (auto& chip : chips_) {
      if (chip.chip_name) {
        out.Gauge("node_hwmon_chip_names", "Annotation metric for human-readable chip names",
                  {{"chip", chip.label}, {"chip_name", *chip.chip_name}}, 1.0);
      }
      for (auto& sensor : chip.sensors) {
        values.clear();
        for (size_t i = 0; i < sensor.prepared.elements.size(); ++i) {
          values.push_back(ReadValue(sensor.files[i], sensor.buffers[i]));
        }
        EmitPrepared(out, chip.label, sensor.prepared, values);
      }
    }
    if (!scan_error_.empty()) throw std::runtime_error(scan_error_);
  }

 private:
  struct Sensor {
    PreparedSensor prepared;
    // Per element: its files, in node_exporter's precedence order (the
    // hwmon directory, then device/); the last readable one wins.
    std::vector<std::vector<CachedFile>> files;
    std::vector<std::string> buffers;
  };
  struct Chip {
    std::string label;
    std::optional<std::string> chip_name;
    std::vector<Sensor> sensors;
  };

  // Reads one element's value; notes files that vanished so the next scrape
  // rescans (a driver was unbound or the device removed).
  std::optional<std::string_view> ReadValue(std::vector<CachedFile>& files, std::string& buf) {
    // node_exporter lets a later readable file override an earlier one, so
    // the first success from the back wins.
    for (auto it = files.rbegin(); it != files.rend(); ++it) {
      int err = it->Read(buf);
      if (err == 0) return TrimNewlines(buf);
      if (err == ENOENT || err == ENODEV || err == ENXIO) rescan_ = true;
    }
    return std::nullopt;
  }

  struct Entry {
    std::string dir;  // resolved hwmonN directory
    std::optional<std::string> device_dir;
    ChipIdentity id;
    bool has_name = false;
  };

  void Rescan(const std::string& class_dir) {
    rescan_ = false;
    scan_error_.clear();
    chips_.clear();

    // Pass 1: every hwmon directory and its base name.
    std::vector<Entry> entries;
    for (const auto& name : listing_) {
      auto dir = ResolveDirLink(class_dir + "/" + name);
      if (!dir) continue;  // not a directory (node_exporter skips it too)
      Entry e;
      e.dir = *dir;
      e.device_dir = ResolveDirLink(e.dir + "/device");
      e.id.hwmon_basename = std::string(BaseName(e.dir));
      std::string raw_name;
      if (ReadFile(e.dir + "/name", raw_name)) {
        e.has_name = true;
        e.id.human_name = CleanMetricName(raw_name);
      }
      if (e.device_dir) e.id.base = ChipNameFromDevicePath(*e.device_dir);
      if (e.id.base.empty()) e.id.base = e.id.human_name;
      if (e.id.base.empty()) e.id.base = CleanMetricName(e.id.hwmon_basename);
      if (e.id.base.empty()) {
        scan_error_ = "hwmon: could not derive a monitoring name for " + e.dir;
        rescan_ = true;
        continue;
      }
      entries.push_back(std::move(e));
    }
    std::vector<ChipIdentity> ids;
    for (const auto& e : entries) ids.push_back(e.id);
    std::vector<std::string> labels = AssignChipLabels(ids);

    SensorsConfig sensors_config = LoadLibsensorsConfig();

    // Pass 2: filter on the final label, then list sensor files.
    for (size_t i = 0; i < entries.size(); ++i) {
      const Entry& e = entries[i];
      if (chip_filter_.Ignored(labels[i])) {
        log::Debug("ignoring hwmon chip", {{"chip", labels[i]}});
        continue;
      }
      // sensor key -> property -> files in precedence order
      std::map<std::string, std::map<std::string, std::vector<std::string>>> files;
      if (!ListSensorFiles(e.dir, files) ||
          (e.device_dir && !ListSensorFiles(*e.device_dir, files))) {
        scan_error_ = "hwmon: cannot list sensors of " + e.dir;
        rescan_ = true;
        continue;
      }
      const SensorsChipConfig* chip_config = FindChipConfig(sensors_config, e);

      Chip chip;
      chip.label = labels[i];
      if (e.has_name && !e.id.human_name.empty()) chip.chip_name = e.id.human_name;
      for (auto& [key, props] : files) {
        if (sensor_filter_.Ignored(chip.label + ";" + key)) {
          log::Debug("ignoring sensor", {{"sensor", key}});
          continue;
        }
        std::optional<std::string> label;
        if (auto it = props.find("label"); it != props.end()) {
          // Labels never change while the chip exists; read once.
          for (const auto& path : it->second) {
            std::string raw;
            if (ReadFile(path, raw)) label = std::string(TrimNewlines(raw));
          }
        }
        if (chip_config && !ApplySensorsChipConfig(*chip_config, key, label)) continue;
        Sensor sensor;
        std::vector<std::string> prop_names;
        for (auto& [prop, paths] : props) {
          if (prop == "label") continue;
          prop_names.push_back(prop);
          std::vector<CachedFile> cached;
          for (auto& p : paths) cached.emplace_back(std::move(p), ShortRead::kIsEnd);
          sensor.files.push_back(std::move(cached));
        }
        sensor.buffers.resize(sensor.files.size());
        sensor.prepared = PrepareSensor(key, std::move(label), prop_names);
        chip.sensors.push_back(std::move(sensor));
      }
      chips_.push_back(std::move(chip));
    }
  }

  static bool ListSensorFiles(
      const std::string& dir,
      std::map<std::string, std::map<std::string, std::vector<std::string>>>& files) {
    if (!IsDir(dir)) return false;
    for (const auto& f : ListDir(dir)) {
      auto parsed = ParseSensorFileName(f);
      if (!parsed || !IsHwmonSensorType(parsed->type)) continue;
      files[parsed->type + std::to_string(parsed->index)][parsed->property].push_back(dir + "/" +
                                                                                     f);
    }
    return true;
  }

  SensorsConfig LoadLibsensorsConfig() {
    // libsensors reads the mounted /sys; its view only matches ours there.
    if (!options_.libsensors || paths_.sysfs != "/sys") return {};
    std::string error, parse_errors;
    auto config = LoadSensorsConfig(nullptr, &error, &parse_errors);
    if (!parse_errors.empty()) {
      log::WarnOnce("hwmon-libsensors-syntax:" + parse_errors,
                    "lm-sensors configuration has errors; those statements are skipped",
                    {{"err", parse_errors}});
    }
    if (!config) {
      log::WarnOnce("hwmon-libsensors", "lm-sensors configuration not applied",
                    {{"err", error}});
      return {};
    }
    return std::move(*config);
  }

  static const SensorsChipConfig* FindChipConfig(const SensorsConfig& config, const Entry& e) {
    if (config.empty()) return nullptr;
    // libsensors names a chip by the directory holding its attributes: the
    // hwmon directory, or device/ for old drivers.
    if (auto it = config.find(e.dir); it != config.end()) return &it->second;
    if (e.device_dir) {
      if (auto it = config.find(*e.device_dir); it != config.end()) return &it->second;
    }
    return nullptr;
  }

  Paths paths_;
  HwmonOptions options_;
  DeviceFilter chip_filter_;
  DeviceFilter sensor_filter_;
  std::vector<std::string> listing_;
  bool rescan_ = true;
  std::string scan_error_;
  std::vector<Chip> chips_;
};

HwmonOptions& FlagOptions() {
  static HwmonOptions options;
  return options;
}

void AddHwmonFlags(CLI::App& app) {
  HwmonOptions& o = FlagOptions();
  const char* group = "hwmon collector";
  app.add_option("--collector.hwmon.chip-include", o.chip_include,
                 "Regexp of hwmon chip to include (mutually exclusive to device-exclude).")
      ->group(group);
  app.add_option("--collector.hwmon.chip-exclude", o.chip_exclude,
                 "Regexp of hwmon chip to exclude (mutually exclusive to device-include).")
      ->group(group);
  app.add_option("--collector.hwmon.sensor-include", o.sensor_include,
                 "Regexp of hwmon sensor to include (mutually exclusive to sensor-exclude).")
      ->group(group);
  app.add_option("--collector.hwmon.sensor-exclude", o.sensor_exclude,
                 "Regexp of hwmon sensor to exclude (mutually exclusive to sensor-include).")
      ->group(group);
  app.add_flag("--collector.hwmon.libsensors,!--no-collector.hwmon.libsensors", o.libsensors,
               "Apply lm-sensors 'label' and 'ignore' statements (/etc/sensors3.conf, "
               "/etc/sensors.d) via libsensors when reading the live /sys (default: enabled).")
      ->group(group);
}

std::unique_ptr<Collector> CreateHwmon(const Paths& paths) {
  return NewHwmonCollector(paths, FlagOptions());
}

NODE_AGENT_REGISTER_COLLECTOR("hwmon", kEnabledByDefault, &AddHwmonFlags, &CreateHwmon);

}  // namespace

std::unique_ptr<Collector> NewHwmonCollector(const Paths& paths, const HwmonOptions& options) {
  return std::make_unique<HwmonCollector>(paths, options);
}

}  // namespace node_agent
