// MetricSet: the seam between collectors and exposition. Collectors add
// samples by family name; the set groups them into prometheus-cpp
// MetricFamily objects, which the agent serializes.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace node_agent {

using Label = prometheus::ClientMetric::Label;
using Labels = std::vector<Label>;
using prometheus::MetricFamily;
using prometheus::MetricType;

class MetricSet {
 public:
  // Adds one sample. The first call for a name fixes the family's help and
  // type; later calls with the same name append to that family.
  void Add(MetricType type, std::string_view name, std::string_view help, Labels labels,
           double value);

  void Gauge(std::string_view name, std::string_view help, Labels labels, double value) {
    Add(MetricType::Gauge, name, help, std::move(labels), value);
  }
  void Counter(std::string_view name, std::string_view help, Labels labels, double value) {
    Add(MetricType::Counter, name, help, std::move(labels), value);
  }
  void Untyped(std::string_view name, std::string_view help, Labels labels, double value) {
    Add(MetricType::Untyped, name, help, std::move(labels), value);
  }
  // Adds a whole sample as built by the caller: histograms and summaries
  // carry several values (buckets/quantiles, sum, count). Same family rules
  // as Add; `metric` must fill the member that matches the family's type.
  void AddMetric(MetricType type, std::string_view name, std::string_view help,
                 prometheus::ClientMetric metric);

  const std::vector<MetricFamily>& families() const { return families_; }
  // Moves the families out and leaves the set empty.
  std::vector<MetricFamily> Take();
  // Finds a family by name; nullptr when absent. For tests and self-metrics.
  const MetricFamily* Find(std::string_view name) const;
  bool empty() const { return families_.empty(); }

 private:
  MetricFamily& FamilyFor(MetricType type, std::string_view name, std::string_view help);
  // The slot of `name` in index_: its family's or the empty one to fill.
  size_t Slot(std::string_view name) const;
  void Rehash(size_t slots);
  std::vector<MetricFamily> families_;
  // Name -> family, by open addressing over families_ (index + 1; 0 empty;
  // a power-of-two size kept at most half full). A scrape adds ~450 samples
  // to ~200 families: a std::map cost a node, a key copy and string compares
  // with "node_..." prefixes on every sample.
  std::vector<uint32_t> index_;
  size_t last_ = 0;  // consecutive samples usually go to the same family
};

// Returns the sample's value whatever the family type.
double SampleValue(const MetricFamily& family, const prometheus::ClientMetric& metric);

}  // namespace node_agent
