#include "lib/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <mutex>

#include "lib/family_pool.h"

namespace node_agent {

// ------------------------------------------------------- exposition text --

void AppendDouble(std::string& out, double v) {
  // expfmt's writeFloat special cases, then strconv.AppendFloat(v, 'g', -1, 64).
  if (v == 1) return void(out.push_back('1'));
  if (v == 0) return void(out.push_back('0'));
  if (v == -1) return void(out.append("-1"));
  if (std::isnan(v)) return void(out.append("NaN"));
  if (std::isinf(v)) return void(out.append(v > 0 ? "+Inf" : "-Inf"));
  // Most samples are small counts: an integer below 1e6 in magnitude is its
  // own shortest %g form (no exponent below 1e6), without the digit search.
  if (v > -1e6 && v < 1e6) {
    auto i = static_cast<int32_t>(v);
    if (static_cast<double>(i) == v) {
      char buf[16];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, i);
      return void(out.append(buf, end));
    }
  }
  // Shortest round-trip digits, as Go's: "-d.ddde±XX" (two exponent digits at least).
  char sci[40];
  auto [end, ec] = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  const char* p = sci;
  const char* e = std::find(p, static_cast<const char*>(end), 'e');
  int exp = 0;
  std::from_chars(e + 1 + (e[1] == '+'), end, exp);
  std::string_view mant(p, e - p);
  bool neg = false;
  if (mant.front() == '-') {
    neg = true;
    mant.remove_prefix(1);
  }
  char digits[24];
  size_t nd = 0;
  for (char c : mant) {
    if (c != '.') digits[nd++] = c;
  }
  // strconv ftoa.go, %g:
  //   eprec := prec; if eprec > digs.nd && digs.nd >= digs.dp { eprec = digs.nd }
  //   if shortest { eprec = 6 }
  //   exp := digs.dp - 1; if exp < -4 || exp >= eprec { %e }
  if (exp < -4 || exp >= 6) {
    out.append(sci, end);  // already Go's %e form: shortest digits, e±XX
    return;
  }
  if (neg) out.push_back('-');
  int dp = exp + 1;  // digits before the decimal point
  if (dp <= 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-dp), '0');
    out.append(digits, nd);
    return;
  }
  if (static_cast<size_t>(dp) >= nd) {
    out.append(digits, nd);
    out.append(static_cast<size_t>(dp) - nd, '0');
    return;
  }
  out.append(digits, static_cast<size_t>(dp));
  out.push_back('.');
  out.append(digits + dp, nd - static_cast<size_t>(dp));
}

std::string FormatDouble(double v) {
  std::string s;
  AppendDouble(s, v);
  return s;
}

void AppendEscapedHelp(std::string& out, std::string_view s) {
  // Help texts rarely hold either character: two memchr scans, one append.
  if (s.empty()) return;
  if (!std::memchr(s.data(), '\\', s.size()) && !std::memchr(s.data(), '\n', s.size())) {
    return void(out.append(s));
  }
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' && c != '\n') continue;
    out.append(s.data() + start, i - start);
    out.append(c == '\\' ? "\\\\" : "\\n");
    start = i + 1;
  }
  out.append(s.data() + start, s.size() - start);
}

void AppendEscapedLabelValue(std::string& out, std::string_view s) {
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' && c != '\n' && c != '"') continue;
    out.append(s.data() + start, i - start);
    out.append(c == '\\' ? "\\\\" : c == '\n' ? "\\n" : "\\\"");
    start = i + 1;
  }
  out.append(s.data() + start, s.size() - start);
}

std::string_view TypeName(MetricType t) {
  switch (t) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Summary: return "summary";
    case MetricType::Histogram: return "histogram";
    case MetricType::Untyped: break;
  }
  return "untyped";
}

void AppendFamilyHeader(std::string& out, std::string_view name, std::string_view help, MetricType type) {
  if (!help.empty()) {
    out.append("# HELP ");
    out.append(name);
    out.push_back(' ');
    AppendEscapedHelp(out, help);
    out.push_back('\n');
  }
  out.append("# TYPE ");
  out.append(name);
  out.push_back(' ');
  out.append(TypeName(type));
  out.push_back('\n');
}

namespace {

void AppendLabel(std::string& out, bool& first, std::string_view name, std::string_view value) {
  out.push_back(first ? '{' : ',');
  first = false;
  out.append(name);
  out.append("=\"");
  AppendEscapedLabelValue(out, value);
  out.push_back('"');
}

template <typename LabelList>
void AppendLine(std::string& out, std::string_view name, std::string_view suffix, const LabelList& labels,
                std::string_view extra_name, double extra_value, double value, int64_t timestamp_ms) {
  out.append(name);
  out.append(suffix);
  bool first = true;
  for (const auto& l : labels) AppendLabel(out, first, l.name, l.value);
  if (!extra_name.empty()) {
    out.push_back(first ? '{' : ',');
    first = false;
    out.append(extra_name);
    out.append("=\"");
    AppendDouble(out, extra_value);
    out.push_back('"');
  }
  if (!first) out.push_back('}');
  out.push_back(' ');
  AppendDouble(out, value);
  if (timestamp_ms != 0) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, timestamp_ms);
    out.push_back(' ');
    out.append(buf, end);
  }
  out.push_back('\n');
}

// A histogram's or summary's lines in Go's order: buckets (with +Inf added
// when absent) or quantiles, then _sum, then _count.
void AppendComplex(std::string& out, const std::string& name, MetricType type, const prometheus::ClientMetric& m) {
  const auto& labels = m.label;
  int64_t ts = m.timestamp_ms;
  if (type == MetricType::Summary) {
    for (const auto& q : m.summary.quantile) AppendLine(out, name, {}, labels, "quantile", q.quantile, q.value, ts);
    AppendLine(out, name, "_sum", labels, {}, 0, m.summary.sample_sum, ts);
    AppendLine(out, name, "_count", labels, {}, 0, static_cast<double>(m.summary.sample_count), ts);
    return;
  }
  bool inf = false;
  for (const auto& b : m.histogram.bucket) {
    AppendLine(out, name, "_bucket", labels, "le", b.upper_bound, static_cast<double>(b.cumulative_count), ts);
    inf = inf || std::isinf(b.upper_bound);
  }
  if (!inf) {
    AppendLine(out, name, "_bucket", labels, "le", INFINITY, static_cast<double>(m.histogram.sample_count), ts);
  }
  AppendLine(out, name, "_sum", labels, {}, 0, m.histogram.sample_sum, ts);
  AppendLine(out, name, "_count", labels, {}, 0, static_cast<double>(m.histogram.sample_count), ts);
}

}  // namespace

// ----------------------------------------------------------- family pool --

namespace {

// Bounds on what the pool keeps: about one default scrape's families (what a
// scrape at a time needs to allocate nothing), and no family text so large
// that keeping it would hold a big scrape's memory.
constexpr size_t kPoolFamilies = 2048;
constexpr size_t kPoolBytes = 256 << 10;
constexpr size_t kPoolFamilyBytes = 16 << 10;

struct FamilyPool {
  std::mutex mutex;
  std::vector<EncodedFamily> families;
  size_t bytes = 0;
};

FamilyPool& Pool() {
  static auto* pool = new FamilyPool;  // never destroyed: used until exit
  return *pool;
}

size_t Capacity(const EncodedFamily& f) {
  return f.name.capacity() + f.help.capacity() + f.samples.capacity();
}

// A family with no samples, from the pool when it has one.
EncodedFamily PooledFamily() {
  FamilyPool& pool = Pool();
  std::lock_guard<std::mutex> lock(pool.mutex);
  if (pool.families.empty()) return {};
  EncodedFamily f = std::move(pool.families.back());
  pool.families.pop_back();
  pool.bytes -= Capacity(f);
  return f;
}

}  // namespace

void RecycleFamilies(std::vector<EncodedFamily>& families) {
  FamilyPool& pool = Pool();
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    for (auto& f : families) {
      size_t bytes = Capacity(f);
      if (pool.families.size() >= kPoolFamilies || pool.bytes + bytes > kPoolBytes || bytes > kPoolFamilyBytes) {
        continue;
      }
      f.samples.clear();
      f.count = 0;
      pool.bytes += bytes;
      pool.families.push_back(std::move(f));
    }
  }
  families.clear();
}

// ------------------------------------------------------------- MetricSet --

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

namespace {

// Up to this many families a set finds a name by comparing it with each:
// cheaper than hashing it, and most collectors add no more (no index built).
constexpr size_t kUnindexedFamilies = 8;

}  // namespace

EncodedFamily& MetricSet::NewFamily(MetricType type, std::string_view name, std::string_view help) {
  EncodedFamily& family = families_.emplace_back(PooledFamily());
  family.name.assign(name);
  family.help.assign(help);
  family.type = type;
  family.samples.clear();
  family.count = 0;
  return family;
}

EncodedFamily& MetricSet::FamilyFor(MetricType type, std::string_view name, std::string_view help) {
  if (last_ < families_.size() && families_[last_].name == name) return families_[last_];
  if (index_.empty()) {
    for (size_t i = 0; i < families_.size(); ++i) {
      if (families_[i].name == name) return families_[last_ = i];
    }
    if (families_.size() < kUnindexedFamilies) {
      families_.reserve(kUnindexedFamilies);
      last_ = families_.size();
      return NewFamily(type, name, help);
    }
    // The few collectors with dozens of families grow the index from here.
    Rehash(4 * kUnindexedFamilies);
  }
  size_t slot = Slot(name);
  if (index_[slot] == 0) {
    if (2 * (families_.size() + 1) > index_.size()) {
      Rehash(2 * index_.size());
      slot = Slot(name);
    }
    NewFamily(type, name, help);
    index_[slot] = static_cast<uint32_t>(families_.size());
  }
  last_ = index_[slot] - 1;
  return families_[last_];
}

void MetricSet::AddSample(MetricType type, std::string_view name, std::string_view help,
                          std::span<const LabelView> labels, double value) {
  EncodedFamily& family = FamilyFor(type, name, help);
  AppendLine(family.samples, family.name, {}, labels, {}, 0, value, 0);
  ++family.count;
}

void MetricSet::Add(MetricType type, std::string_view name, std::string_view help, const Labels& labels,
                    double value) {
  EncodedFamily& family = FamilyFor(type, name, help);
  AppendLine(family.samples, family.name, {}, labels, {}, 0, value, 0);
  ++family.count;
}

void MetricSet::AddMetric(MetricType type, std::string_view name, std::string_view help,
                          const prometheus::ClientMetric& metric) {
  EncodedFamily& family = FamilyFor(type, name, help);
  switch (family.type) {
    case MetricType::Summary:
    case MetricType::Histogram: AppendComplex(family.samples, family.name, family.type, metric); break;
    case MetricType::Counter:
      AppendLine(family.samples, family.name, {}, metric.label, {}, 0, metric.counter.value, metric.timestamp_ms);
      break;
    case MetricType::Gauge:
      AppendLine(family.samples, family.name, {}, metric.label, {}, 0, metric.gauge.value, metric.timestamp_ms);
      break;
    case MetricType::Untyped:
      AppendLine(family.samples, family.name, {}, metric.label, {}, 0, metric.untyped.value, metric.timestamp_ms);
      break;
  }
  ++family.count;
}

std::vector<EncodedFamily> MetricSet::Take() {
  std::vector<EncodedFamily> out = std::move(families_);
  families_.clear();
  index_.clear();
  last_ = 0;
  no_data_ = false;
  no_data_reason_.clear();
  return out;
}

const EncodedFamily* MetricSet::Find(std::string_view name) const {
  if (index_.empty()) {
    for (const auto& f : families_) {
      if (f.name == name) return &f;
    }
    return nullptr;
  }
  uint32_t entry = index_[Slot(name)];
  return entry == 0 ? nullptr : &families_[entry - 1];
}

}  // namespace node_agent
