// Routes HTTP requests: the telemetry path serves a scrape, "/" a landing
// page, anything else 404; methods other than GET and HEAD get 405.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "agent/http_server.h"
#include "agent/scrape.h"

namespace node_agent {

// Decodes %XX and '+' in a query component.
std::string UrlDecode(std::string_view s);
// Values of `key` in a query string ("a=1&collect%5B%5D=cpu").
std::vector<std::string> QueryValues(std::string_view query, std::string_view key);

// How long a scrape may take: Prometheus' X-Prometheus-Scrape-Timeout-Seconds
// value less `margin` (but at least half the value, so a short timeout still
// leaves time for collectors), or `fallback` when the value is not a positive
// number of seconds.
std::chrono::nanoseconds ScrapeTimeout(std::string_view header, std::chrono::nanoseconds margin,
                                       std::chrono::nanoseconds fallback);

class MetricsHandler {
 public:
  struct Options {
    std::string telemetry_path = "/metrics";
    // --web.disable-exporter-metrics: leave out process_*, promhttp_* and build info.
    bool exporter_metrics = true;
    std::string version;
    std::string revision;
    int max_requests = 40;  // --web.max-requests, named in Overloaded()'s message
    // libdeflate level for responses to clients that accept gzip; 0: never gzip.
    // Level 1: a full scrape compresses about as well as at 6 for a fraction
    // of the CPU (bench: BM_Gzip).
    int gzip_level = 1;
    // Deadline of a scrape: X-Prometheus-Scrape-Timeout-Seconds less the
    // margin, or scrape_timeout without (or with a malformed) header.
    std::chrono::nanoseconds scrape_timeout = std::chrono::seconds(10);
    std::chrono::nanoseconds scrape_timeout_margin = std::chrono::milliseconds(500);
  };
  MetricsHandler(Scraper& scraper, Options options);

  HttpResponse Handle(const HttpRequest& request);
  // The 503 past --web.max-requests, counted in promhttp_metric_handler_requests_total
  // (the HTTP server answers it without queueing the request).
  HttpResponse Overloaded();

 private:
  // Scrape, then give freed memory back to the system when there is much.
  HttpResponse Metrics(std::string_view query, Scraper::Clock::time_point deadline);
  HttpResponse Scrape(std::string_view query, Scraper::Clock::time_point deadline);
  void AddHandlerMetrics(std::vector<EncodedFamily>& families);

  Scraper& scraper_;
  Options options_;
  std::atomic<int> in_flight_{0};
  std::mutex counts_mutex_;
  std::map<unsigned, double> responses_by_code_;  // promhttp_metric_handler_requests_total
};

}  // namespace node_agent
