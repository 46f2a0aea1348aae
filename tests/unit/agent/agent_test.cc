// The agent layer: flag parsing, scrape orchestration, request routing.
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "agent/exposition.h"
#include "agent/flags.h"
#include "agent/http_server.h"
#include "agent/metrics_handler.h"
#include "agent/scrape.h"
#include "lib/process_self.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

// A collector whose behaviour the test sets: emits one gauge, or fails.
class ScriptedCollector : public Collector {
 public:
  enum class Mode { kOk, kNoData, kError };
  ScriptedCollector(std::string family, Mode mode) : family_(std::move(family)), mode_(mode) {}
  void Collect(MetricSet& out) override {
    out.Gauge(family_, "test family", {{"k", "v"}}, 42);
    if (mode_ == Mode::kNoData) throw NoDataError("nothing here");
    if (mode_ == Mode::kError) throw std::runtime_error("broken");
  }

 private:
  std::string family_;
  Mode mode_;
};

Scraper MakeScraper() {
  std::vector<Scraper::Named> c;
  c.push_back({"good", std::make_unique<ScriptedCollector>("node_good", ScriptedCollector::Mode::kOk)});
  c.push_back({"nodata", std::make_unique<ScriptedCollector>("node_nodata", ScriptedCollector::Mode::kNoData)});
  c.push_back({"bad", std::make_unique<ScriptedCollector>("node_bad", ScriptedCollector::Mode::kError)});
  return Scraper(std::move(c), {});
}

TEST(Scraper, ReportsSuccessPerCollectorAndKeepsPartialOutput) {
  Scraper scraper = MakeScraper();
  std::vector<MetricFamily> fams;
  std::string error;
  ASSERT_TRUE(scraper.Scrape({}, {}, fams, error));
  EXPECT_EQ(testing::ScrapedValue(fams, "node_scrape_collector_success", {{"collector", "good"}}), 1);
  EXPECT_EQ(testing::ScrapedValue(fams, "node_scrape_collector_success", {{"collector", "nodata"}}), 0);
  EXPECT_EQ(testing::ScrapedValue(fams, "node_scrape_collector_success", {{"collector", "bad"}}), 0);
  EXPECT_GE(testing::ScrapedValue(fams, "node_scrape_collector_duration_seconds", {{"collector", "bad"}}), 0);
  // What a failing collector added before failing is still served.
  EXPECT_EQ(testing::ScrapedValue(fams, "node_bad", {{"k", "v"}}), 42);
  EXPECT_TRUE(std::is_sorted(fams.begin(), fams.end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));
}

TEST(Scraper, CollectAndExcludeFilter) {
  Scraper scraper = MakeScraper();
  std::vector<MetricFamily> fams;
  std::string error;
  ASSERT_TRUE(scraper.Scrape({"good"}, {}, fams, error));
  EXPECT_EQ(testing::ScrapedValue(fams, "node_good", {{"k", "v"}}), 42);
  EXPECT_EQ(testing::ScrapedValue(fams, "node_bad", {{"k", "v"}}), -1);
  EXPECT_EQ(testing::ScrapedValue(fams, "node_scrape_collector_success", {{"collector", "bad"}}), -1);

  ASSERT_TRUE(scraper.Scrape({}, {"bad"}, fams, error));
  EXPECT_EQ(testing::ScrapedValue(fams, "node_good", {{"k", "v"}}), 42);
  EXPECT_EQ(testing::ScrapedValue(fams, "node_bad", {{"k", "v"}}), -1);

  EXPECT_FALSE(scraper.Scrape({"nonexistent"}, {}, fams, error));
  EXPECT_NE(error.find("nonexistent"), std::string::npos);
}

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

TEST(ListenAddress, Forms) {
  auto a = ParseListenAddress(":9100");
  EXPECT_TRUE(a.any_host);
  EXPECT_EQ(a.endpoint.port(), 9100);
  a = ParseListenAddress("127.0.0.1:1234");
  EXPECT_FALSE(a.any_host);
  EXPECT_EQ(a.endpoint.address().to_string(), "127.0.0.1");
  a = ParseListenAddress("[::1]:80");
  EXPECT_TRUE(a.endpoint.address().is_v6());
  a = ParseListenAddress("localhost:80");
  EXPECT_EQ(a.endpoint.address().to_string(), "127.0.0.1");
  EXPECT_THROW(ParseListenAddress("9100"), std::invalid_argument);
  EXPECT_THROW(ParseListenAddress(":99999"), std::invalid_argument);
  EXPECT_THROW(ParseListenAddress("example.com:80"), std::invalid_argument);
}

int Parse(std::vector<const char*> args, Config& config) {
  args.insert(args.begin(), "node-agent");
  return ParseFlags(static_cast<int>(args.size()), args.data(), config);
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(Flags, DefaultsAndCollectorToggles) {
  Config config;
  ASSERT_EQ(Parse({}, config), -1);
  EXPECT_EQ(config.listen_addresses, (std::vector<std::string>{":9100"}));
  EXPECT_EQ(config.telemetry_path, "/metrics");
  EXPECT_EQ(config.paths.procfs, "/proc");
  for (const auto& info : RegisteredCollectors()) {
    EXPECT_EQ(Has(config.enabled_collectors, info.name), info.enabled_by_default) << info.name;
  }

  Config c2;
  ASSERT_EQ(Parse({"--collector.disable-defaults", "--web.listen-address=127.0.0.1:1",
                   "--web.listen-address", "[::1]:2", "--path.procfs=/x/proc"},
                  c2),
            -1);
  EXPECT_TRUE(c2.enabled_collectors.empty());
  EXPECT_EQ(c2.listen_addresses.size(), 2u);
  EXPECT_EQ(c2.paths.procfs, "/x/proc");
}

TEST(Flags, EnableAndDisableByName) {
  const auto& all = RegisteredCollectors();
  if (all.empty()) GTEST_SKIP() << "no collectors linked";
  std::string name = all.front().name;
  std::string on = "--collector." + name, off = "--no-collector." + name;
  Config c1;
  ASSERT_EQ(Parse({"--collector.disable-defaults", on.c_str()}, c1), -1);
  EXPECT_EQ(c1.enabled_collectors, (std::vector<std::string>{name}));
  Config c2;
  ASSERT_EQ(Parse({off.c_str()}, c2), -1);
  EXPECT_FALSE(Has(c2.enabled_collectors, name));
}

TEST(Flags, BadFlagsFail) {
  Config config;
  ::testing::internal::CaptureStderr();
  EXPECT_GT(Parse({"--no-such-flag"}, config), 0);
  EXPECT_GT(Parse({"--log.level=loud"}, config), 0);
  EXPECT_GT(Parse({"--web.max-requests=-1"}, config), 0);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("--no-such-flag"), std::string::npos);
  EXPECT_NE(err.find("--log.level"), std::string::npos);
}

TEST(Flags, NodeExporterOnlyFlagsAreIgnoredNotFatal) {
  // A node_exporter ExecStart line naming collectors node-agent lacks must start.
  Config config;
  ASSERT_EQ(Parse({"--collector.systemd", "--collector.systemd.unit-include", "(ray|docker)\\.service",
                   "--no-collector.zfs", "--collector.processes", "--collector.textfile.directory=/tmp",
                   "--runtime.gomaxprocs", "2", "--web.systemd-socket", "--no-collector.cpu"},
                  config),
            -1);
  EXPECT_EQ(config.ignored_flags,
            (std::vector<std::string>{"--collector.systemd", "--collector.systemd.unit-include (ray|docker)\\.service",
                                      "--no-collector.zfs", "--collector.processes", "--runtime.gomaxprocs 2",
                                      "--web.systemd-socket"}));
  EXPECT_FALSE(Has(config.enabled_collectors, "cpu"));  // flags after ignored ones still apply
  EXPECT_TRUE(IsUnimplementedNodeExporterCollector("systemd"));
  EXPECT_FALSE(IsUnimplementedNodeExporterCollector("cpu"));
  EXPECT_FALSE(IsUnimplementedNodeExporterCollector("no_such_collector"));

  // A collector node_exporter does not have is still an error.
  ::testing::internal::CaptureStderr();
  EXPECT_GT(Parse({"--collector.no_such_collector"}, config), 0);
  EXPECT_NE(::testing::internal::GetCapturedStderr().find("--collector.no_such_collector"), std::string::npos);
}

TEST(Flags, HelpShowsNoFlagValues) {
  Config config;
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(Parse({"--help"}, config), 0);
  std::string help = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(help.find("--no-collector.cpu"), std::string::npos);
  EXPECT_EQ(help.find("{false}"), std::string::npos);
}

TEST(ProcessSelf, ParsesStatWithSpacesInName) {
  std::string stat =
      "1234 (node agent) x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 "
      "9000 7041024 1161 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  auto s = ParseProcPidStat(stat);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->utime_ticks, 250u);
  EXPECT_EQ(s->stime_ticks, 50u);
  EXPECT_EQ(s->start_time_ticks, 9000u);
  EXPECT_EQ(s->vsize_bytes, 7041024u);
  EXPECT_EQ(s->rss_pages, 1161u);
  EXPECT_FALSE(ParseProcPidStat("garbage"));
  EXPECT_FALSE(ParseProcPidStat("1 (x) S 1 2"));
}

TEST(ProcessSelf, LiveValuesAreSane) {
  auto c = NewProcessSelfCollector();
  MetricSet set;
  c->Collect(set);
  EXPECT_GT(testing::Value(set, "process_resident_memory_bytes"), 0);
  EXPECT_GT(testing::Value(set, "process_open_fds"), 2);
  EXPECT_GT(testing::Value(set, "process_start_time_seconds"), 1.5e9);
  EXPECT_GT(testing::Value(set, "process_max_fds"), 0);
}

}  // namespace
}  // namespace node_agent
