// The HTTP response the supervisord collector reads, and its URL flag.
#include "collectors/supervisord/http.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  node_agent::HttpClientResponse r;
  std::string error;
  if (node_agent::ParseHttpResponse(data, r, error)) {
    FUZZ_CHECK(r.status >= 0 && r.status <= 999);
    FUZZ_CHECK(r.body.size() <= data.size());
  }
  if (auto t = node_agent::ParseHttpUrl(data, error)) FUZZ_CHECK(t->unix_socket || !t->port.empty());
}
