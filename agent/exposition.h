// Prometheus text exposition (format 0.0.4) of collected families, HTTP
// content negotiation (Accept, Accept-Encoding) and gzip of a response body.
// Everything here is a pure function, unit-tested on its own.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

#include "lib/metrics.h"

namespace node_agent {

inline constexpr char kTextContentType[] = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr char kOpenMetricsContentType[] =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

// Serializes families in the text format as Go's client_golang (expfmt) does,
// so values are byte-identical to node_exporter's: the samples are already
// text (lib/metrics.h writes them as they are added); this writes each
// family's HELP and TYPE lines before them. Empty HELP is left out, and so is
// a family without samples.
std::string SerializeText(const std::vector<EncodedFamily>& families);
// Appends to `out` (lets a caller reuse a buffer).
void SerializeText(const std::vector<EncodedFamily>& families, std::string& out);

// prometheus-cpp's TextSerializer (ostream-based), kept as the reference the
// unit tests and microbenchmarks compare the writer above with.
std::string SerializeTextPrometheusCpp(const std::vector<prometheus::MetricFamily>& families);

// Response formats the agent can produce.
enum class Format { kText, kOpenMetrics };

// Picks the response format from an Accept header by q-value, as promhttp
// does: OpenMetrics only when `openmetrics_supported` and an
// application/openmetrics-text range (version absent or 1.0.0) has a higher
// q than any range that matches text/plain (text/plain, text/*, */*; ties go
// to text). Anything else (absent, unparsable, only unknown types) is text,
// as promhttp falls back to text.
Format NegotiateFormat(std::string_view accept, bool openmetrics_supported);

// Whether an Accept-Encoding header accepts gzip: "gzip" (or "x-gzip") with
// q > 0, or "*" with q > 0 when gzip is not listed. q=0 refuses.
bool AcceptsGzip(std::string_view accept_encoding);

// gzip (RFC 1952) of `data` by libdeflate at `level` (1 fastest … 12
// smallest; 1-9 compare with zlib's levels).
std::string Gzip(std::string_view data, int level = 1);

}  // namespace node_agent
