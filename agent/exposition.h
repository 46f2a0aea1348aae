// Prometheus text exposition (format 0.0.4) of collected families.
#pragma once

#include <string>
#include <vector>

#include "collectors/metrics.h"

namespace node_agent {

inline constexpr char kTextContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// Serializes with prometheus-cpp's TextSerializer.
std::string SerializeText(const std::vector<MetricFamily>& families);

}  // namespace node_agent
