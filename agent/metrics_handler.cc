#include "agent/metrics_handler.h"

#include <fmt/format.h>
#include <malloc.h>

#include <algorithm>
#include <atomic>

#include "agent/exposition.h"
#include "lib/family_pool.h"
#include "lib/fs.h"

namespace node_agent {

std::string UrlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() + 0 && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<std::string> QueryValues(std::string_view query, std::string_view key) {
  std::vector<std::string> values;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    auto eq = pair.find('=');
    if (UrlDecode(pair.substr(0, eq)) != key) continue;
    values.push_back(eq == std::string_view::npos ? std::string() : UrlDecode(pair.substr(eq + 1)));
  }
  return values;
}

std::chrono::nanoseconds ScrapeTimeout(std::string_view header, std::chrono::nanoseconds margin,
                                       std::chrono::nanoseconds fallback) {
  auto seconds = ParseDouble(Trim(header));
  // Beyond a day is no timeout Prometheus sends; also keeps the conversion in range.
  if (!seconds || !(*seconds > 0) || *seconds > 86400) return fallback;
  auto timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(*seconds));
  return std::max(timeout - margin, timeout / 2);
}

MetricsHandler::MetricsHandler(Scraper& scraper, Options options)
    : scraper_(scraper), options_(std::move(options)) {}

HttpResponse MetricsHandler::Handle(const HttpRequest& request) {
  std::string_view target = request.target;
  auto qmark = target.find('?');
  std::string_view path = target.substr(0, qmark);
  std::string_view query = qmark == std::string_view::npos ? std::string_view{} : target.substr(qmark + 1);

  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse res{405, "text/plain; charset=utf-8", {{"Allow", "GET, HEAD"}}, "method not allowed\n"};
    return res;
  }
  if (path == options_.telemetry_path) {
    auto timeout = ScrapeTimeout(request.Header("X-Prometheus-Scrape-Timeout-Seconds"),
                                 options_.scrape_timeout_margin, options_.scrape_timeout);
    HttpResponse res = Metrics(query, Scraper::Clock::now() + timeout);
    // The body depends on Accept-Encoding (gzip or not), so caches must key on it.
    res.headers.emplace_back("Vary", "Accept-Encoding");
    if (res.status == 200 && options_.gzip_level > 0 && AcceptsGzip(request.Header("Accept-Encoding"))) {
      res.body = Gzip(res.body, options_.gzip_level);
      res.headers.emplace_back("Content-Encoding", "gzip");
    }
    return res;
  }
  if (path == "/") {
    std::string body = fmt::format(
        "<!DOCTYPE html>\n<html>\n<head><title>node-agent</title></head>\n<body>\n"
        "<h1>node-agent</h1>\n<p>A node_exporter-compatible agent for Ray clusters.</p>\n"
        "<p>Version {} ({})</p>\n<ul><li><a href=\"{}\">Metrics</a></li></ul>\n</body>\n</html>\n",
        options_.version, options_.revision, options_.telemetry_path);
    return HttpResponse{200, "text/html; charset=utf-8", {}, std::move(body)};
  }
  return HttpResponse{404, "text/plain; charset=utf-8", {}, "404 page not found\n"};
}

HttpResponse MetricsHandler::Overloaded() {
  {
    std::lock_guard<std::mutex> lock(counts_mutex_);
    responses_by_code_[503] += 1;
  }
  return HttpResponse{503, "text/plain; charset=utf-8", {},
                      fmt::format("Limit of concurrent requests reached ({}), try again later.\n",
                                  options_.max_requests)};
}

namespace {

// Freed heap beyond this since the last trim is given back to the system.
constexpr size_t kTrimAbove = 16 << 20;

// glibc keeps freed memory in its arena: after a large scrape (a big textfile
// parsed, then removed) RSS would stay at the peak. malloc_trim returns free
// pages, and runs only once that much has been freed, since it walks the heap.
void ReturnFreeMemory() {
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 33)
  static std::atomic<size_t> free_after_trim{0};
  static std::atomic_flag busy = ATOMIC_FLAG_INIT;
  if (busy.test_and_set()) return;  // another scrape is trimming
  size_t free_now = mallinfo2().fordblks;
  size_t base = free_after_trim.load();
  if (free_now < base) {
    free_after_trim = free_now;  // reused since: count growth from here
  } else if (free_now - base > kTrimAbove) {
    malloc_trim(0);
    free_after_trim = mallinfo2().fordblks;
  }
  busy.clear();
#endif
}

}  // namespace

HttpResponse MetricsHandler::Metrics(std::string_view query, Scraper::Clock::time_point deadline) {
  HttpResponse res = Scrape(query, deadline);
  ReturnFreeMemory();
  return res;
}

HttpResponse MetricsHandler::Scrape(std::string_view query, Scraper::Clock::time_point deadline) {
  // --web.max-requests is enforced by the HTTP server before a request reaches
  // a worker (it answers with Overloaded()); here the count only feeds
  // promhttp_metric_handler_requests_in_flight.
  ++in_flight_;
  std::vector<EncodedFamily> families;
  std::string error;
  bool ok = scraper_.Scrape(QueryValues(query, "collect[]"), QueryValues(query, "exclude[]"), families, error,
                             deadline);
  HttpResponse res;
  if (!ok) {
    res = HttpResponse{400, "text/plain; charset=utf-8", {},
                       "Couldn't create filtered metrics handler: " + error + "\n"};
  } else {
    if (options_.exporter_metrics) AddHandlerMetrics(families);
    // Text 0.0.4 whatever the Accept header: OpenMetrics is not implemented,
    // so NegotiateFormat(accept, false) is always text (promhttp's default too).
    res = HttpResponse{200, kTextContentType, {}, SerializeText(families)};
  }
  RecycleFamilies(families);
  {
    std::lock_guard<std::mutex> lock(counts_mutex_);
    responses_by_code_[res.status] += 1;
  }
  in_flight_--;
  return res;
}

void MetricsHandler::AddHandlerMetrics(std::vector<EncodedFamily>& families) {
  MetricSet set;
  set.Gauge("node_agent_build_info",
            "A metric with a constant '1' value labeled by version and revision from which node-agent was built.",
            {{"revision", options_.revision}, {"version", options_.version}}, 1);
  set.Gauge("promhttp_metric_handler_requests_in_flight", "Current number of scrapes being served.", {},
            in_flight_.load());
  {
    std::lock_guard<std::mutex> lock(counts_mutex_);
    // Like promhttp, the common codes are always present.
    for (unsigned code : {200u, 500u, 503u}) responses_by_code_.try_emplace(code, 0);
    for (const auto& [code, count] : responses_by_code_) {
      set.Counter("promhttp_metric_handler_requests_total",
                  "Total number of scrapes by HTTP status code.", {{"code", std::to_string(code)}}, count);
    }
  }
  // `families` comes sorted from the scrape: insert these few in place
  // rather than sort all ~200 families again.
  auto by_name = [](const EncodedFamily& a, const EncodedFamily& b) { return a.name < b.name; };
  for (auto& f : set.Take()) {
    families.insert(std::upper_bound(families.begin(), families.end(), f, by_name), std::move(f));
  }
}

}  // namespace node_agent
