#include "collectors/buddyinfo.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <tuple>

namespace node_agent {

namespace {

std::string_view TrimComma(std::string_view s) {
  if (!s.empty() && s.back() == ',') s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<BuddyinfoZone> ParseBuddyinfo(std::string_view content, std::vector<std::string>& skipped) {
  std::vector<BuddyinfoZone> zones;
  std::vector<std::string_view> parts;
  size_t buckets = 0;
  bool have_buckets = false;
  for (auto line : Lines(content)) {
    Fields(line, parts);
    if (parts.size() < 4 || (have_buckets && parts.size() - 4 != buckets)) {
      skipped.emplace_back(Trim(line));
      continue;
    }
    BuddyinfoZone z{std::string(TrimComma(parts[1])), std::string(TrimComma(parts[3])), {}};
    bool ok = true;
    for (size_t i = 4; i < parts.size() && ok; ++i) {
      auto v = ParseGoFloat(parts[i]);
      ok = v.has_value();
      if (ok) z.sizes.push_back(*v);
    }
    if (!ok) {
      skipped.emplace_back(Trim(line));
      continue;
    }
    buckets = z.sizes.size();
    have_buckets = true;
    zones.push_back(std::move(z));
  }
  return zones;
}

namespace {

class BuddyinfoCollector : public Collector {
 public:
  explicit BuddyinfoCollector(const Paths& paths) : file_(paths.Proc("buddyinfo")) {}

  void Collect(MetricSet& out) override {
    ReadOrThrow(file_, buf_, "couldn't get buddyinfo: ");
    std::vector<std::string> skipped;
    auto zones = ParseBuddyinfo(buf_, skipped);
    ReportSkipped("buddyinfo", file_.path(), skipped);
    // Labels by name and samples by label values (size as a string), as
    // node_exporter's exposition orders them.
    struct Sample {
      const std::string* node;
      std::string size;
      const std::string* zone;
      double value;
    };
    std::vector<Sample> samples;
    for (const auto& z : zones) {
      for (size_t i = 0; i < z.sizes.size(); ++i) samples.push_back({&z.node, std::to_string(i), &z.zone, z.sizes[i]});
    }
    std::stable_sort(samples.begin(), samples.end(), [](const Sample& a, const Sample& b) {
      return std::tie(*a.node, a.size, *a.zone) < std::tie(*b.node, b.size, *b.zone);
    });
    for (auto& s : samples) {
      out.Gauge("node_buddyinfo_blocks", "Count of free blocks according to size.",
                {{"node", *s.node}, {"size", std::move(s.size)}, {"zone", *s.zone}}, s.value);
    }
  }

 private:
  CachedFile file_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateBuddyinfo(const Paths& paths) { return NewBuddyinfoCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("buddyinfo", kDisabledByDefault, nullptr, &CreateBuddyinfo);

}  // namespace

std::unique_ptr<Collector> NewBuddyinfoCollector(const Paths& paths) {
  return std::make_unique<BuddyinfoCollector>(paths);
}

}  // namespace node_agent
