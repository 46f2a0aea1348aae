#include "collectors/metrics.h"

namespace node_agent {

MetricFamily& MetricSet::FamilyFor(MetricType type, std::string_view name, std::string_view help) {
  auto it = index_.find(name);
  size_t idx;
  if (it == index_.end()) {
    idx = families_.size();
    MetricFamily family;
    family.name = std::string(name);
    family.help = std::string(help);
    family.type = type;
    families_.push_back(std::move(family));
    index_.emplace(std::string(name), idx);
  } else {
    idx = it->second;
  }
  return families_[idx];
}

void MetricSet::AddMetric(MetricType type, std::string_view name, std::string_view help,
                          prometheus::ClientMetric metric) {
  FamilyFor(type, name, help).metric.push_back(std::move(metric));
}

void MetricSet::Add(MetricType type, std::string_view name, std::string_view help,
                    Labels labels, double value) {
  MetricFamily& family = FamilyFor(type, name, help);
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  switch (family.type) {
    case MetricType::Counter: metric.counter.value = value; break;
    case MetricType::Gauge: metric.gauge.value = value; break;
    default: metric.untyped.value = value; break;
  }
  family.metric.push_back(std::move(metric));
}

std::vector<MetricFamily> MetricSet::Take() {
  std::vector<MetricFamily> out = std::move(families_);
  families_.clear();
  index_.clear();
  return out;
}

const MetricFamily* MetricSet::Find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &families_[it->second];
}

double SampleValue(const MetricFamily& family, const prometheus::ClientMetric& metric) {
  switch (family.type) {
    case MetricType::Counter: return metric.counter.value;
    case MetricType::Gauge: return metric.gauge.value;
    default: return metric.untyped.value;
  }
}

}  // namespace node_agent
