#include "agent/exposition.h"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace node_agent {

std::string SerializeText(const std::vector<MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return std::move(out).str();
}

}  // namespace node_agent
