// Reads a MetricSet's encoded families back into prometheus-cpp's types, so
// tests can inspect samples structurally. Tests only: the agent never decodes.
#pragma once

#include <prometheus/metric_family.h>

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/metrics.h"

namespace node_agent::testing {

using prometheus::MetricFamily;

struct DecodedLine {
  std::string name;
  Labels labels;
  double value = 0;
  int64_t timestamp_ms = 0;
};

// One line as MetricSet writes it: name{a="b",...} value[ timestamp].
inline DecodedLine DecodeLine(std::string_view line) {
  DecodedLine out;
  size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
  out.name = std::string(line.substr(0, i));
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      size_t eq = line.find('=', i);
      Label l;
      l.name = std::string(line.substr(i, eq - i));
      i = eq + 2;  // past ="
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\' && i + 1 < line.size()) {
          ++i;
          l.value.push_back(line[i] == 'n' ? '\n' : line[i]);
        } else {
          l.value.push_back(line[i]);
        }
        ++i;
      }
      ++i;  // past the closing quote
      if (i < line.size() && line[i] == ',') ++i;
      out.labels.push_back(std::move(l));
    }
    ++i;  // past }
  }
  ++i;  // past the space
  std::string rest(line.substr(std::min(i, line.size())));
  size_t space = rest.find(' ');
  std::string value = rest.substr(0, space);
  if (value == "NaN") out.value = NAN;
  else if (value == "+Inf") out.value = INFINITY;
  else if (value == "-Inf") out.value = -INFINITY;
  else out.value = std::strtod(value.c_str(), nullptr);
  if (space != std::string::npos) out.timestamp_ms = std::strtoll(rest.c_str() + space + 1, nullptr, 10);
  return out;
}

// Removes and returns the label `name` ("le", "quantile").
inline double TakeLabel(Labels& labels, std::string_view name) {
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    if (it->name != name) continue;
    std::string v = it->value;
    labels.erase(it);
    return v == "+Inf" ? INFINITY : std::strtod(v.c_str(), nullptr);
  }
  return NAN;
}

inline MetricFamily Decode(const EncodedFamily& f) {
  MetricFamily out;
  out.name = f.name;
  out.help = f.help;
  out.type = f.type;
  std::string_view text = f.samples;
  prometheus::ClientMetric current;
  bool open = false;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    DecodedLine line = DecodeLine(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    std::string_view suffix = std::string_view(line.name).substr(f.name.size());
    if (f.type != MetricType::Histogram && f.type != MetricType::Summary) {
      prometheus::ClientMetric m;
      m.label = std::move(line.labels);
      m.timestamp_ms = line.timestamp_ms;
      if (f.type == MetricType::Counter) m.counter.value = line.value;
      else if (f.type == MetricType::Gauge) m.gauge.value = line.value;
      else m.untyped.value = line.value;
      out.metric.push_back(std::move(m));
      continue;
    }
    if (!open) {
      current = prometheus::ClientMetric{};
      current.timestamp_ms = line.timestamp_ms;
      open = true;
    }
    if (suffix == "_bucket") {
      double le = TakeLabel(line.labels, "le");
      current.histogram.bucket.push_back({static_cast<uint64_t>(line.value), le});
    } else if (suffix.empty()) {
      double q = TakeLabel(line.labels, "quantile");
      current.summary.quantile.push_back({q, line.value});
    } else if (suffix == "_sum") {
      current.histogram.sample_sum = current.summary.sample_sum = line.value;
    } else if (suffix == "_count") {
      current.histogram.sample_count = current.summary.sample_count = static_cast<uint64_t>(line.value);
      current.label = std::move(line.labels);
      out.metric.push_back(std::move(current));
      open = false;
    }
  }
  return out;
}

inline std::vector<MetricFamily> Decode(const std::vector<EncodedFamily>& families) {
  std::vector<MetricFamily> out;
  for (const auto& f : families) out.push_back(Decode(f));
  return out;
}

// The family `name` of `set`, decoded; nullopt when absent.
inline std::optional<MetricFamily> Find(const MetricSet& set, std::string_view name) {
  const EncodedFamily* f = set.Find(name);
  if (!f) return std::nullopt;
  return Decode(*f);
}

// Returns the sample's value whatever the family type.
inline double SampleValue(const MetricFamily& family, const prometheus::ClientMetric& metric) {
  switch (family.type) {
    case MetricType::Counter: return metric.counter.value;
    case MetricType::Gauge: return metric.gauge.value;
    default: return metric.untyped.value;
  }
}

}  // namespace node_agent::testing
