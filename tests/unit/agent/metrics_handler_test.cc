// The /metrics handler: routing, methods, its own families, gzip
// negotiation, and the query decoding it relies on.
#include <gtest/gtest.h>

#include <algorithm>

#include "agent/exposition.h"
#include "agent/http_server.h"
#include "agent/metrics_handler.h"
#include "agent/scrape.h"
#include "tests/support/scripted_collector.h"

namespace node_agent {
namespace {

using testing::MakeScraper;

TEST(MetricsHandler, Routes) {
  Scraper scraper = MakeScraper();
  MetricsHandler handler(scraper, {"/metrics", true, "1.2.3", "abc", 40});
  auto get = [&](std::string method, std::string target) {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    return handler.Handle(r);
  };
  auto res = get("GET", "/metrics");
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(res.body.find("node_good{k=\"v\"} 42"), std::string::npos);
  EXPECT_NE(res.body.find("node_agent_build_info{revision=\"abc\",version=\"1.2.3\"} 1"), std::string::npos);
  EXPECT_NE(res.body.find("promhttp_metric_handler_requests_total{code=\"200\"}"), std::string::npos);

  res = get("GET", "/metrics?collect%5B%5D=good");
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.body.find("node_bad"), std::string::npos);
  res = get("GET", "/metrics?collect[]=missing");
  EXPECT_EQ(res.status, 400u);

  EXPECT_EQ(get("HEAD", "/metrics").status, 200u);
  res = get("POST", "/metrics");
  EXPECT_EQ(res.status, 405u);
  EXPECT_EQ(res.headers.at(0).first, "Allow");
  res = get("GET", "/");
  EXPECT_EQ(res.status, 200u);
  EXPECT_NE(res.body.find("href=\"/metrics\""), std::string::npos);
  EXPECT_EQ(get("GET", "/other").status, 404u);
}

// The handler's own families are merged into the scrape's sorted list.
TEST(MetricsHandler, FamiliesStaySortedWithHandlerMetrics) {
  Scraper scraper = MakeScraper();
  MetricsHandler handler(scraper, {"/metrics", true, "1", "r", 40});
  HttpRequest r{"GET", "/metrics", {}};
  std::string body = handler.Handle(r).body;
  std::vector<std::string> names;
  for (size_t at = body.find("# TYPE "); at != std::string::npos; at = body.find("# TYPE ", at + 1)) {
    names.push_back(body.substr(at + 7, body.find(' ', at + 7) - at - 7));
  }
  EXPECT_TRUE(std::find(names.begin(), names.end(), "node_agent_build_info") != names.end());
  EXPECT_TRUE(std::find(names.begin(), names.end(), "promhttp_metric_handler_requests_total") != names.end());
  EXPECT_GT(names.size(), 4u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(MetricsHandler, DisableExporterMetrics) {
  Scraper scraper = MakeScraper();
  MetricsHandler handler(scraper, {"/m", false, "1", "r", 40});
  HttpRequest r{"GET", "/m", {}};
  auto res = handler.Handle(r);
  EXPECT_EQ(res.status, 200u);
  EXPECT_EQ(res.body.find("node_agent_build_info"), std::string::npos);
  EXPECT_EQ(res.body.find("promhttp_"), std::string::npos);
}

std::string HeaderOf(const HttpResponse& res, std::string_view name) {
  for (const auto& [k, v] : res.headers) {
    if (k == name) return v;
  }
  return "(absent)";
}

TEST(MetricsHandler, GzipOnlyWhenAccepted) {
  Scraper scraper = MakeScraper();
  MetricsHandler handler(scraper, {"/metrics", true, "1", "r", 40});
  auto get = [&](std::string accept_encoding) {
    HttpRequest r{"GET", "/metrics", {}};
    if (!accept_encoding.empty()) r.headers.emplace_back("accept-encoding", accept_encoding);
    r.headers.emplace_back("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
    return handler.Handle(r);
  };
  auto plain = get("");
  EXPECT_EQ(plain.content_type, kTextContentType);
  EXPECT_EQ(HeaderOf(plain, "Content-Encoding"), "(absent)");
  EXPECT_EQ(HeaderOf(plain, "Vary"), "Accept-Encoding");
  EXPECT_NE(plain.body.find("node_good{k=\"v\"} 42"), std::string::npos);
  for (const char* refused : {"identity", "gzip;q=0", "br, deflate"}) {
    auto res = get(refused);
    EXPECT_EQ(HeaderOf(res, "Content-Encoding"), "(absent)") << refused;
    EXPECT_EQ(HeaderOf(res, "Vary"), "Accept-Encoding") << refused;
  }
  auto gz = get("gzip");
  EXPECT_EQ(gz.content_type, kTextContentType);
  EXPECT_EQ(HeaderOf(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(HeaderOf(gz, "Vary"), "Accept-Encoding");
  ASSERT_GE(gz.body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gz.body[0]), 0x1f);
  // Errors are never compressed.
  HttpRequest bad{"GET", "/metrics?collect[]=missing", {{"Accept-Encoding", "gzip"}}};
  auto res = handler.Handle(bad);
  EXPECT_EQ(res.status, 400u);
  EXPECT_EQ(HeaderOf(res, "Content-Encoding"), "(absent)");
}

TEST(Query, DecodesValues) {
  EXPECT_EQ(UrlDecode("collect%5B%5D"), "collect[]");
  EXPECT_EQ(UrlDecode("a+b%2"), "a b%2");
  auto v = QueryValues("collect[]=cpu&x=1&collect%5B%5D=hwmon&collect[]", "collect[]");
  EXPECT_EQ(v, (std::vector<std::string>{"cpu", "hwmon", ""}));
}

}  // namespace
}  // namespace node_agent
