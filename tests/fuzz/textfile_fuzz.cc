// Prometheus text files (textfile collector: written by users' scripts), and
// the agent's text writer on what they hold: every escaping path of HELP and
// label values. What the writer produces must parse back to the same families.
// seeds: textfile
#include <set>
#include <string>
#include <vector>

#include "agent/exposition.h"
#include "collectors/textfile.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

// The families as the agent encodes them: each sample through MetricSet.
std::vector<node_agent::EncodedFamily> ToFamilies(const std::vector<node_agent::ParsedFamily>& parsed) {
  std::vector<node_agent::EncodedFamily> out;
  for (const auto& p : parsed) {
    node_agent::MetricSet set;
    for (const auto& m : p.metrics) set.AddMetric(p.type, p.name, p.help.value_or(""), m);
    for (auto& f : set.Take()) out.push_back(std::move(f));
  }
  return out;
}

// A histogram or summary X beside another family named X_sum, X_count or
// X_bucket: its lines then read back into that family. client_golang's
// registry refuses such a pair at gather time (checkSuffixCollisions); the
// textfile collector does not (yet), so the round trip is not checked then.
bool HasSuffixCollision(const std::vector<node_agent::ParsedFamily>& parsed) {
  std::set<std::string> names;
  for (const auto& p : parsed) names.insert(p.name);
  for (const auto& p : parsed) {
    if (p.type != node_agent::MetricType::Histogram && p.type != node_agent::MetricType::Summary) continue;
    for (const char* suffix : {"_sum", "_count", "_bucket"}) {
      if (names.count(p.name + suffix)) return true;
    }
  }
  return false;
}

}  // namespace

FUZZ_TEST(data) {
  std::string error;
  auto parsed = node_agent::ParseTextFormat(data, &error);
  (void)node_agent::ParseExpfmtFloat(data);
  if (!parsed) {
    FUZZ_CHECK(!error.empty());
    return;
  }
  if (HasSuffixCollision(*parsed)) return;
  std::string text = node_agent::SerializeText(ToFamilies(*parsed));
  auto again = node_agent::ParseTextFormat(text, &error);
  if (!again) std::fprintf(stderr, "re-parse: %s\n---\n%s---\n", error.c_str(), text.c_str());
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->size() == parsed->size());
  for (size_t i = 0; i < again->size(); ++i) {
    const auto& a = (*again)[i];
    const auto& p = (*parsed)[i];
    if (a.name != p.name || a.metrics.size() != p.metrics.size()) {
      std::fprintf(stderr, "family %s (%zu samples) came back as %s (%zu samples) from:\n%s", p.name.c_str(),
                   p.metrics.size(), a.name.c_str(), a.metrics.size(), text.c_str());
    }
    FUZZ_CHECK(a.name == p.name);
    FUZZ_CHECK(a.metrics.size() == p.metrics.size());
  }
}
