#include "agent/exposition.h"

#include <prometheus/text_serializer.h>
#include <strings.h>
#include <libdeflate.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace node_agent {

std::string SerializeTextPrometheusCpp(const std::vector<prometheus::MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return std::move(out).str();
}

void SerializeText(const std::vector<EncodedFamily>& families, std::string& out) {
  for (const auto& f : families) {
    if (f.count == 0) continue;  // as TextSerializer and expfmt: no samples, no family
    AppendFamilyHeader(out, f.name, f.help, f.type);
    out.append(f.samples);
  }
}

std::string SerializeText(const std::vector<EncodedFamily>& families) {
  std::string out;
  size_t size = 0;
  for (const auto& f : families) size += 64 + f.name.size() + f.help.size() + f.samples.size();
  out.reserve(size);
  SerializeText(families, out);
  return out;
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// One element of a comma-separated header: the value before the first ';',
// its parameters, and q (1 when absent; -1 when malformed, which refuses it).
struct Element {
  std::string_view value;
  std::vector<std::pair<std::string_view, std::string_view>> params;
  double q = 1;
};

std::vector<Element> ParseList(std::string_view header) {
  std::vector<Element> out;
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    Element e;
    size_t semi = item.find(';');
    e.value = Trim(item.substr(0, semi));
    if (e.value.empty()) continue;
    std::string_view rest = semi == std::string_view::npos ? std::string_view{} : item.substr(semi + 1);
    while (!rest.empty()) {
      size_t s = rest.find(';');
      std::string_view param = rest.substr(0, s);
      rest = s == std::string_view::npos ? std::string_view{} : rest.substr(s + 1);
      size_t eq = param.find('=');
      std::string_view key = Trim(param.substr(0, eq));
      std::string_view val = eq == std::string_view::npos ? std::string_view{} : Trim(param.substr(eq + 1));
      if (val.size() >= 2 && val.front() == '"' && val.back() == '"') val = val.substr(1, val.size() - 2);
      if (IEquals(key, "q")) {
        double q = -1;
        auto [ptr, ec] = std::from_chars(val.data(), val.data() + val.size(), q);
        e.q = (ec == std::errc() && ptr == val.data() + val.size() && q >= 0 && q <= 1) ? q : -1;
      } else if (!key.empty()) {
        e.params.emplace_back(key, val);
      }
    }
    out.push_back(e);
  }
  return out;
}

std::string_view Param(const Element& e, std::string_view key) {
  for (const auto& [k, v] : e.params) {
    if (IEquals(k, key)) return v;
  }
  return {};
}

}  // namespace

Format NegotiateFormat(std::string_view accept, bool openmetrics_supported) {
  if (!openmetrics_supported) return Format::kText;
  double text_q = -1, om_q = -1;
  for (const Element& e : ParseList(accept)) {
    if (e.q <= 0) continue;
    std::string_view version = Param(e, "version");
    if (IEquals(e.value, "application/openmetrics-text")) {
      if (version.empty() || version == "1.0.0" || version == "0.0.1") om_q = std::max(om_q, e.q);
    } else if (IEquals(e.value, "text/plain")) {
      if (version.empty() || version == "0.0.4") text_q = std::max(text_q, e.q);
    } else if (IEquals(e.value, "text/*") || e.value == "*/*") {
      text_q = std::max(text_q, e.q);
    }
  }
  return om_q > text_q ? Format::kOpenMetrics : Format::kText;
}

bool AcceptsGzip(std::string_view accept_encoding) {
  double gzip_q = -1, star_q = -1;
  for (const Element& e : ParseList(accept_encoding)) {
    if (IEquals(e.value, "gzip") || IEquals(e.value, "x-gzip")) {
      gzip_q = std::max(gzip_q, e.q);
      if (e.q == 0) gzip_q = 0;  // an explicit refusal wins
    } else if (e.value == "*") {
      star_q = e.q;
    }
  }
  if (gzip_q >= 0) return gzip_q > 0;
  return star_q > 0;
}

namespace {

// libdeflate rather than zlib: at level 1 it is faster on a scrape-sized
// body and its output is smaller (measured in docs/performance.md). It
// compresses a whole buffer at once, which is what a response body is.
//
// One compressor for the process, kept between bodies (allocating one costs
// more than compressing a small scrape) and shared under a mutex: one per
// worker thread was the largest item of the peak heap under many concurrent
// scrapers. Concurrent scrapes wait at most one compression for it.
class SharedCompressor {
 public:
  ~SharedCompressor() { libdeflate_free_compressor(c_); }

  std::string Gzip(std::string_view data, int level) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (c_ == nullptr || level != level_) {
      libdeflate_free_compressor(c_);
      c_ = libdeflate_alloc_compressor(level);
      if (c_ == nullptr) throw std::runtime_error("libdeflate_alloc_compressor failed");
      level_ = level;
    }
    size_t bound = libdeflate_gzip_compress_bound(c_, data.size());
    // Kept between bodies so it is not zero-filled every time.
    if (buffer_.size() < bound) buffer_.resize(bound);
    size_t n = libdeflate_gzip_compress(c_, data.data(), data.size(), buffer_.data(), bound);
    if (n == 0) throw std::runtime_error("libdeflate_gzip_compress: output larger than its bound");
    return std::string(buffer_.data(), n);
  }

 private:
  std::mutex mutex_;
  libdeflate_compressor* c_ = nullptr;
  int level_ = -1;
  std::vector<char> buffer_;
};

}  // namespace

std::string Gzip(std::string_view data, int level) {
  static SharedCompressor compressor;
  return compressor.Gzip(data, std::clamp(level, 1, 12));
}

}  // namespace node_agent
