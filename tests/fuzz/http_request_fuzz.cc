// The HTTP request path: the server's request-head parser, then the handler
// that routes it (a scrape with no collectors) and the Basic credentials
// parser. Any bytes end in a response status, never a crash.
// seeds: http_requests
#include <string>

#include "agent/basic_auth.h"
#include "agent/http_server.h"
#include "agent/metrics_handler.h"
#include "agent/scrape.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  static node_agent::Scraper scraper({}, {});
  static node_agent::MetricsHandler handler(scraper, {});
  node_agent::RequestHead head = node_agent::ParseRequestHead(data);
  if (!head.complete) return;
  if (head.status != 0) {
    FUZZ_CHECK(head.status >= 400 && head.status < 600);
    return;
  }
  std::string user, password;
  node_agent::ParseBasicAuthorization(head.request.Header("Authorization"), user, password);
  node_agent::HttpResponse response = handler.Handle(head.request);
  FUZZ_CHECK(response.status >= 200 && response.status < 600);
}
