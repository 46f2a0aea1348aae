// MetricSet: the seam between collectors and exposition. Collectors add
// samples by family name; each sample is written straight into its family's
// text in the Prometheus exposition format, so a scrape builds no object per
// sample (prometheus-cpp's ClientMetric and label vectors cost most of the
// per-sample time). prometheus-cpp's types remain for what is built whole
// (histograms, summaries, the textfile collector) and as the reference the
// tests compare the text with.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_type.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace node_agent {

using Label = prometheus::ClientMetric::Label;
using Labels = std::vector<Label>;
using prometheus::MetricType;

// A label as the caller has it, not copied: {{"device", name}, {"cpu", id}}.
struct LabelView {
  std::string_view name;
  std::string_view value;
};

// A family ready to serialize: its header fields and its samples as
// exposition text ("name{a=\"b\"} 1\n" lines, in the order added).
struct EncodedFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::Untyped;
  std::string samples;
  size_t count = 0;  // samples added (a histogram or summary counts once)
};

class MetricSet {
 public:
  // Adds one sample. The first call for a name fixes the family's help and
  // type; later calls with the same name append to that family.
  void Add(MetricType type, std::string_view name, std::string_view help, std::initializer_list<LabelView> labels,
           double value) {
    AddSample(type, name, help, std::span<const LabelView>(labels.begin(), labels.size()), value);
  }
  // The same for labels in an array built by the caller.
  void AddLabels(MetricType type, std::string_view name, std::string_view help, std::span<const LabelView> labels,
                 double value) {
    AddSample(type, name, help, labels, value);
  }
  // The same for labels built as a list of owned strings.
  void Add(MetricType type, std::string_view name, std::string_view help, const Labels& labels, double value);

  void Gauge(std::string_view name, std::string_view help, std::initializer_list<LabelView> labels, double value) {
    Add(MetricType::Gauge, name, help, labels, value);
  }
  void Gauge(std::string_view name, std::string_view help, const Labels& labels, double value) {
    Add(MetricType::Gauge, name, help, labels, value);
  }
  void Counter(std::string_view name, std::string_view help, std::initializer_list<LabelView> labels, double value) {
    Add(MetricType::Counter, name, help, labels, value);
  }
  void Counter(std::string_view name, std::string_view help, const Labels& labels, double value) {
    Add(MetricType::Counter, name, help, labels, value);
  }
  void Untyped(std::string_view name, std::string_view help, std::initializer_list<LabelView> labels, double value) {
    Add(MetricType::Untyped, name, help, labels, value);
  }
  void Untyped(std::string_view name, std::string_view help, const Labels& labels, double value) {
    Add(MetricType::Untyped, name, help, labels, value);
  }
  // Adds a whole sample as built by the caller: histograms and summaries
  // carry several values (buckets/quantiles, sum, count). Same family rules
  // as Add; `metric` must fill the member that matches the family's type.
  void AddMetric(MetricType type, std::string_view name, std::string_view help,
                 const prometheus::ClientMetric& metric);

  // node_exporter's ErrNoData: this node lacks what the collector reads. The
  // scrape reports the collector unsuccessful and logs `reason` at debug
  // level; samples added before are still served. A collector calls this
  // and returns rather than throw NoDataError: a node without the subsystem
  // pays for this check on every scrape, and a throw costs more than the
  // check itself.
  void SetNoData(std::string reason) {
    no_data_ = true;
    no_data_reason_ = std::move(reason);
  }
  bool no_data() const { return no_data_; }
  const std::string& no_data_reason() const { return no_data_reason_; }

  const std::vector<EncodedFamily>& families() const { return families_; }
  // Moves the families out and leaves the set empty (no-data mark included).
  std::vector<EncodedFamily> Take();
  // Finds a family by name; nullptr when absent.
  const EncodedFamily* Find(std::string_view name) const;
  bool empty() const { return families_.empty(); }

 private:
  void AddSample(MetricType type, std::string_view name, std::string_view help, std::span<const LabelView> labels,
                 double value);
  EncodedFamily& FamilyFor(MetricType type, std::string_view name, std::string_view help);
  EncodedFamily& NewFamily(MetricType type, std::string_view name, std::string_view help);
  // The slot of `name` in index_: its family's or the empty one to fill.
  size_t Slot(std::string_view name) const;
  void Rehash(size_t slots);
  std::vector<EncodedFamily> families_;
  // Name -> family, by open addressing over families_ (index + 1; 0 empty;
  // a power-of-two size kept at most half full), once a set has more than a
  // few families: a scrape adds a few hundred samples to a few hundred
  // families, most names sharing the "node_" prefix.
  std::vector<uint32_t> index_;
  size_t last_ = 0;  // consecutive samples usually go to the same family
  bool no_data_ = false;
  std::string no_data_reason_;
};

// The text exposition format's pieces (Prometheus text format 0.0.4, as Go's
// expfmt writes it).
// A float as expfmt writes it: Go's strconv 'g' shortest form, NaN, +Inf, -Inf.
void AppendDouble(std::string& out, double v);
std::string FormatDouble(double v);
// A HELP text: backslash and newline escaped.
void AppendEscapedHelp(std::string& out, std::string_view s);
// A label value: backslash, newline and double quote escaped.
void AppendEscapedLabelValue(std::string& out, std::string_view s);
// "# HELP name help\n# TYPE name type\n" (no HELP line for an empty help).
void AppendFamilyHeader(std::string& out, std::string_view name, std::string_view help, MetricType type);
std::string_view TypeName(MetricType type);

}  // namespace node_agent
