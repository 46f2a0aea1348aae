// The exposition writer, content negotiation and gzip (agent/exposition.h).
#include "agent/exposition.h"
#include "tests/support/decode.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <set>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

#include "tests/support/sysnet_test_util.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

// Known strconv.FormatFloat(v, 'g', -1, 64) outputs, as expfmt writes them.
TEST(FormatDouble, MatchesGo) {
  EXPECT_EQ(FormatDouble(0), "0");
  EXPECT_EQ(FormatDouble(-0.0), "0");  // expfmt: f == 0
  EXPECT_EQ(FormatDouble(1), "1");
  EXPECT_EQ(FormatDouble(-1), "-1");
  EXPECT_EQ(FormatDouble(std::nan("")), "NaN");
  EXPECT_EQ(FormatDouble(INFINITY), "+Inf");
  EXPECT_EQ(FormatDouble(-INFINITY), "-Inf");
  EXPECT_EQ(FormatDouble(1.85309696e9), "1.85309696e+09");
  EXPECT_EQ(FormatDouble(18446744073709551615.0), "1.8446744073709552e+19");
  EXPECT_EQ(FormatDouble(9223372036854775807.0), "9.223372036854776e+18");
  EXPECT_EQ(FormatDouble(1048576), "1.048576e+06");
  EXPECT_EQ(FormatDouble(1e6), "1e+06");
  EXPECT_EQ(FormatDouble(999999), "999999");
  EXPECT_EQ(FormatDouble(-999999), "-999999");
  EXPECT_EQ(FormatDouble(-42), "-42");
  EXPECT_EQ(FormatDouble(100000), "100000");
  EXPECT_EQ(FormatDouble(123456.5), "123456.5");
  EXPECT_EQ(FormatDouble(1500), "1500");
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(0.0001), "0.0001");
  EXPECT_EQ(FormatDouble(0.00012345), "0.00012345");
  EXPECT_EQ(FormatDouble(0.00001), "1e-05");
  EXPECT_EQ(FormatDouble(1.305e-06), "1.305e-06");
  EXPECT_EQ(FormatDouble(-2.5), "-2.5");
  EXPECT_EQ(FormatDouble(-1234567), "-1.234567e+06");
  EXPECT_EQ(FormatDouble(-0.00001), "-1e-05");
  EXPECT_EQ(FormatDouble(1e100), "1e+100");
  EXPECT_EQ(FormatDouble(5e-324), "5e-324");
  EXPECT_EQ(FormatDouble(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(FormatDouble(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(FormatDouble(1691234567.123), "1.691234567123e+09");
}

// Every sample value node_exporter 1.12 (Go) wrote in its conformance output
// comes out byte-identical from FormatDouble.
TEST(FormatDouble, ByteIdenticalToNodeExporterOutput) {
  std::string ne = testing::NodeExporterConformanceDir();
  if (ne.empty()) GTEST_SKIP() << "../shared/conformance is not beside this checkout";
  std::ifstream in(ne + "/e2e-output.txt");
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::string value = line.substr(line.rfind(' ') + 1);
    double v = value == "NaN" ? std::nan("") : std::strtod(value.c_str(), nullptr);
    EXPECT_EQ(FormatDouble(v), value) << line;
    ++checked;
  }
  EXPECT_GT(checked, 1000);
}

using prometheus::MetricFamily;

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

// The families as a MetricSet encodes them, each sample added whole.
std::vector<EncodedFamily> Encode(const std::vector<MetricFamily>& families) {
  MetricSet set;
  for (const auto& f : families) {
    for (const auto& m : f.metric) set.AddMetric(f.type, f.name, f.help, m);
  }
  return set.Take();
}

TEST(SerializeText, EscapesAndFormatsAsExpfmt) {
  std::vector<MetricFamily> fams;
  auto c = Family("a_total", "Help with \\ and\nnewline \"quoted\".", MetricType::Counter);
  prometheus::ClientMetric m;
  m.label = {{"dev", "sda"}, {"path", "C:\\x\n\"y\""}};
  m.counter.value = 1.85309696e9;
  c.metric.push_back(m);
  fams.push_back(c);
  auto g = Family("b", "", MetricType::Gauge);
  prometheus::ClientMetric gm;
  gm.gauge.value = -INFINITY;
  gm.timestamp_ms = 1700000000123;
  g.metric.push_back(gm);
  fams.push_back(g);
  fams.push_back(Family("empty", "no samples", MetricType::Gauge));
  auto u = Family("c", "u", MetricType::Untyped);
  prometheus::ClientMetric um;
  um.untyped.value = 0.5;
  u.metric.push_back(um);
  fams.push_back(u);
  EXPECT_EQ(SerializeText(Encode(fams)),
            "# HELP a_total Help with \\\\ and\\nnewline \"quoted\".\n"
            "# TYPE a_total counter\n"
            "a_total{dev=\"sda\",path=\"C:\\\\x\\n\\\"y\\\"\"} 1.85309696e+09\n"
            "# TYPE b gauge\n"
            "b -Inf 1700000000123\n"
            "# HELP c u\n"
            "# TYPE c untyped\n"
            "c 0.5\n");
}

TEST(SerializeText, HistogramAndSummaryInGoOrder) {
  std::vector<MetricFamily> fams;
  auto h = Family("lat_seconds", "Latency.", MetricType::Histogram);
  prometheus::ClientMetric hm;
  hm.label = {{"op", "get"}};
  hm.histogram.sample_count = 2000000;
  hm.histogram.sample_sum = 12.5;
  hm.histogram.bucket = {{10, 0.005}, {1500000, 0.1}};
  h.metric.push_back(hm);
  fams.push_back(h);
  auto s = Family("rpc_seconds", "RPC.", MetricType::Summary);
  prometheus::ClientMetric sm;
  sm.summary.sample_count = 9;
  sm.summary.sample_sum = 0.25;
  sm.summary.quantile = {{0.5, 0.01}, {0.99, 0.2}};
  s.metric.push_back(sm);
  fams.push_back(s);
  EXPECT_EQ(SerializeText(Encode(fams)),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{op=\"get\",le=\"0.005\"} 10\n"
            "lat_seconds_bucket{op=\"get\",le=\"0.1\"} 1.5e+06\n"
            "lat_seconds_bucket{op=\"get\",le=\"+Inf\"} 2e+06\n"
            "lat_seconds_sum{op=\"get\"} 12.5\n"
            "lat_seconds_count{op=\"get\"} 2e+06\n"
            "# HELP rpc_seconds RPC.\n"
            "# TYPE rpc_seconds summary\n"
            "rpc_seconds{quantile=\"0.5\"} 0.01\n"
            "rpc_seconds{quantile=\"0.99\"} 0.2\n"
            "rpc_seconds_sum 0.25\n"
            "rpc_seconds_count 9\n");
}

// Lines of an exposition, values parsed, sorted: compares two writers'
// output semantically (prometheus-cpp prints numbers in its own way, "Nan",
// histogram _count first, and HELP unescaped).
std::multiset<std::string> Canonical(const std::string& text) {
  std::multiset<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP", 0) == 0) continue;  // compared separately (escaping differs)
    if (line[0] == '#') {
      out.insert(line);
      continue;
    }
    auto sp = line.rfind(' ');
    std::string key = line.substr(0, sp);
    // le/quantile label values: normalise number formatting.
    for (const char* l : {"le=\"", "quantile=\""}) {
      auto p = key.find(l);
      if (p == std::string::npos) continue;
      p += std::strlen(l);
      auto q = key.find('"', p);
      std::string v = key.substr(p, q - p);
      key.replace(p, q - p, FormatDouble(v == "+Inf" ? INFINITY : std::strtod(v.c_str(), nullptr)));
    }
    std::string v = line.substr(sp + 1);
    double d = (v == "Nan" || v == "NaN") ? std::nan("") : std::strtod(v.c_str(), nullptr);
    out.insert(key + " " + FormatDouble(d));
  }
  return out;
}

// The writer and prometheus-cpp's TextSerializer
// say the same thing.
TEST(SerializeText, SameSamplesAsTextSerializer) {
  MetricSet set;
  set.Counter("x_total", "x", {{"a", "1"}}, 3);
  set.Gauge("y", "y", {{"q", "\"\\\n"}}, std::nan(""));
  set.Gauge("y", "y", {{"q", "b"}}, 1e-7);
  set.Untyped("z", "z", {}, 12345678901.0);
  auto fams = set.Take();
  EXPECT_EQ(Canonical(SerializeText(fams)), Canonical(SerializeTextPrometheusCpp(testing::Decode(fams))));
}

TEST(NegotiateFormat, TextUnlessOpenMetricsPreferred) {
  const char* prom = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                     "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
  // OpenMetrics is not served by the agent: always text.
  EXPECT_EQ(NegotiateFormat(prom, false), Format::kText);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text", false), Format::kText);
  // With a writer for it, the q-values decide.
  EXPECT_EQ(NegotiateFormat(prom, true), Format::kOpenMetrics);
  EXPECT_EQ(NegotiateFormat("", true), Format::kText);
  EXPECT_EQ(NegotiateFormat("*/*", true), Format::kText);
  EXPECT_EQ(NegotiateFormat("text/plain;version=0.0.4", true), Format::kText);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text; version=1.0.0; q=0.4, text/plain;q=0.5", true),
            Format::kText);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;q=0.6, text/plain;q=0.5", true), Format::kOpenMetrics);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;q=0, text/plain;q=0.5", true), Format::kText);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;q=0.5, text/plain;q=0.5", true), Format::kText);  // tie
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;version=2.0.0", true), Format::kText);
  EXPECT_EQ(NegotiateFormat("APPLICATION/OpenMetrics-Text", true), Format::kOpenMetrics);
  EXPECT_EQ(NegotiateFormat("application/json", true), Format::kText);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;q=bogus", true), Format::kText);
}

TEST(AcceptsGzip, HonoursQValues) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br"));
  EXPECT_TRUE(AcceptsGzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("identity;q=1, *;q=0.1"));
  EXPECT_TRUE(AcceptsGzip(" gzip ; q=1.0 "));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("deflate, br"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0.000"));
  EXPECT_FALSE(AcceptsGzip("*;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0, *"));  // explicit refusal beats the wildcard
  EXPECT_FALSE(AcceptsGzip("*, gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=bogus"));
  EXPECT_FALSE(AcceptsGzip("gzipper"));
}

std::string Gunzip(const std::string& z) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data()));
  zs.avail_in = static_cast<uInt>(z.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return out;
}

TEST(Gzip, RoundTrips) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "node_x{i=\"" + std::to_string(i) + "\"} " + std::to_string(i * 7) + "\n";
  for (int level : {1, 6, 9}) {
    std::string z = Gzip(text, level);
    ASSERT_GE(z.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(z[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(z[1]), 0x8b);
    EXPECT_LT(z.size(), text.size() / 3);
    EXPECT_EQ(Gunzip(z), text);
  }
  EXPECT_EQ(Gunzip(Gzip("")), "");
}

// Gzip reuses one compressor and output buffer for the process: consecutive
// bodies, at the same level or not, a body larger than an earlier one's
// buffer, and bodies from several threads at once come out whole.
TEST(Gzip, ReusedStateAndLargeOutput) {
  std::string noise;
  uint32_t x = 12345;
  for (int i = 0; i < 200000; ++i) {
    x = x * 1103515245u + 12345u;
    noise.push_back(static_cast<char>(x >> 24));
  }
  std::string text(30000, 'a');
  for (const std::string* body : {&noise, &text, &noise, &text}) {
    std::string z = Gzip(*body, 1);
    EXPECT_EQ(Gunzip(z), *body);
  }
  EXPECT_GT(Gzip(noise, 1).size(), 16384u);
  EXPECT_EQ(Gunzip(Gzip(text, 6)), text);
  EXPECT_EQ(Gunzip(Gzip(text, 1)), text);
  std::vector<std::string> bodies;
  for (int t = 0; t < 4; ++t) bodies.push_back(noise.substr(0, 1000 + 50000 * t) + text);
  std::vector<int> intact(bodies.size(), 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < bodies.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) intact[t] += Gunzip(Gzip(bodies[t], 1 + i % 2)) == bodies[t];
    });
  }
  for (auto& th : threads) th.join();
  for (size_t t = 0; t < bodies.size(); ++t) EXPECT_EQ(intact[t], 50) << "thread " << t;
}

}  // namespace
}  // namespace node_agent
