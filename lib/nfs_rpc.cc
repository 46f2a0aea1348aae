#include "lib/nfs_rpc.h"

#include "lib/fs.h"

namespace node_agent {

bool ParseRpcCounters(const std::vector<std::string_view>& fields, size_t from, size_t to,
                      std::vector<uint64_t>& out) {
  out.clear();
  for (size_t i = from; i < to && i < fields.size(); ++i) {
    auto v = ParseUint(fields[i]);
    if (!v) return false;
    out.push_back(*v);
  }
  return true;
}

bool ValidRpcProcLine(const std::vector<uint64_t>& values, uint64_t min_count) {
  return !values.empty() && values[0] == values.size() - 1 && values[0] >= min_count;
}

}  // namespace node_agent
