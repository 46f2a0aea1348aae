#include "lib/metrics.h"

#include <functional>

namespace node_agent {

size_t MetricSet::Slot(std::string_view name) const {
  size_t mask = index_.size() - 1;
  for (size_t i = std::hash<std::string_view>{}(name) & mask;; i = (i + 1) & mask) {
    uint32_t entry = index_[i];
    if (entry == 0 || families_[entry - 1].name == name) return i;
  }
}

void MetricSet::Rehash(size_t slots) {
  index_.assign(slots, 0);
  for (size_t i = 0; i < families_.size(); ++i) index_[Slot(families_[i].name)] = static_cast<uint32_t>(i + 1);
}

MetricFamily& MetricSet::FamilyFor(MetricType type, std::string_view name, std::string_view help) {
  if (last_ < families_.size() && families_[last_].name == name) return families_[last_];
  if (index_.empty()) {
    // Most collectors add a handful of families; the few with dozens grow
    // the set. (64 reserved per set were ~140 KB of heap per scrape in flight.)
    families_.reserve(16);
    Rehash(32);
  }
  size_t slot = Slot(name);
  if (index_[slot] == 0) {
    if (2 * (families_.size() + 1) > index_.size()) {
      Rehash(2 * index_.size());
      slot = Slot(name);
    }
    MetricFamily family;
    family.name = std::string(name);
    family.help = std::string(help);
    family.type = type;
    families_.push_back(std::move(family));
    index_[slot] = static_cast<uint32_t>(families_.size());
  }
  last_ = index_[slot] - 1;
  return families_[last_];
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
  last_ = 0;
  return out;
}

const MetricFamily* MetricSet::Find(std::string_view name) const {
  if (index_.empty()) return nullptr;
  uint32_t entry = index_[Slot(name)];
  return entry == 0 ? nullptr : &families_[entry - 1];
}

double SampleValue(const MetricFamily& family, const prometheus::ClientMetric& metric) {
  switch (family.type) {
    case MetricType::Counter: return metric.counter.value;
    case MetricType::Gauge: return metric.gauge.value;
    default: return metric.untyped.value;
  }
}

}  // namespace node_agent
