#include "collectors/conntrack.h"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace node_agent {

ConntrackStats ParseConntrackStat(std::string_view content, std::vector<std::string>& skipped) {
  ConntrackStats s;
  auto lines = Lines(content);
  std::vector<std::string_view> f;
  // The first line names the columns; node_exporter relies on their fixed order.
  for (size_t i = 1; i < lines.size(); ++i) {
    Fields(lines[i], f);
    if (f.empty()) continue;
    std::array<uint64_t, 17> v{};
    bool ok = f.size() == 16 || f.size() == 17;
    for (size_t k = 0; ok && k < f.size(); ++k) {
      auto n = ParseUint(f[k], 16);
      if (!n) ok = false;
      else v[k] = *n;
    }
    if (!ok) {
      skipped.emplace_back(Trim(lines[i]));
      continue;
    }
    s.found += v[2];
    s.invalid += v[4];
    s.ignore += v[5];
    s.insert += v[8];
    s.insert_failed += v[9];
    s.drop += v[10];
    s.early_drop += v[11];
    if (f.size() == 17) s.search_restart += v[16];
  }
  return s;
}

namespace {

class ConntrackCollector : public Collector {
 public:
  explicit ConntrackCollector(const Paths& paths)
      : count_(paths.Proc("sys/net/netfilter/nf_conntrack_count"), ShortRead::kIsEnd),
        max_(paths.Proc("sys/net/netfilter/nf_conntrack_max"), ShortRead::kIsEnd),
        stat_(paths.Proc("net/stat/nf_conntrack"), ShortRead::kShortRecords) {}

  void Collect(MetricSet& out) override {
    double value = 0;
    if (!ReadNumber(count_, value, out)) return;
    out.Gauge("node_nf_conntrack_entries", "Number of currently allocated flow entries for connection tracking.",
              {}, value);
    if (!ReadNumber(max_, value, out)) return;
    out.Gauge("node_nf_conntrack_entries_limit", "Maximum size of connection tracking table.", {}, value);
    // As node_exporter: the two gauges above stay in the scrape when the
    // statistics file is missing or unreadable.
    if (!Read(stat_, out)) return;
    std::vector<std::string> skipped;
    ConntrackStats s = ParseConntrackStat(buf_, skipped);
    ReportSkipped("conntrack", stat_.path(), skipped);
    auto gauge = [&](const char* name, const char* help, uint64_t v) {
      out.Gauge(name, help, {}, static_cast<double>(v));
    };
    gauge("node_nf_conntrack_stat_found", "Number of searched entries which were successful.", s.found);
    gauge("node_nf_conntrack_stat_invalid", "Number of packets seen which can not be tracked.", s.invalid);
    gauge("node_nf_conntrack_stat_ignore", "Number of packets seen which are already connected to a conntrack entry.",
          s.ignore);
    gauge("node_nf_conntrack_stat_insert", "Number of entries inserted into the list.", s.insert);
    gauge("node_nf_conntrack_stat_insert_failed", "Number of entries for which list insertion was attempted but failed.",
          s.insert_failed);
    gauge("node_nf_conntrack_stat_drop", "Number of packets dropped due to conntrack failure.", s.drop);
    gauge("node_nf_conntrack_stat_early_drop",
          "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached.",
          s.early_drop);
    gauge("node_nf_conntrack_stat_search_restart",
          "Number of conntrack table lookups which had to be restarted due to hashtable resizes.", s.search_restart);
  }

 private:
  // A missing file means nf_conntrack is not loaded: node_exporter's ErrNoData
  // (false, `out` marked).
  bool Read(CachedFile& file, MetricSet& out) {
    if (int err = file.Read(buf_); err != 0) {
      if (err == ENOENT) {
        out.SetNoData("conntrack probably not loaded");
        return false;
      }
      throw std::runtime_error(
          fmt::format("failed to retrieve conntrack stats: {}: {}", file.path(), std::strerror(err)));
    }
    return true;
  }

  bool ReadNumber(CachedFile& file, double& value, MetricSet& out) {
    if (!Read(file, out)) return false;
    auto v = ParseUint(Trim(buf_));
    if (!v) {
      throw std::runtime_error(fmt::format("failed to retrieve conntrack stats: {}: not a number: \"{}\"",
                                           file.path(), std::string(Trim(buf_))));
    }
    value = static_cast<double>(*v);
    return true;
  }

  CachedFile count_, max_, stat_;
  std::string buf_;
};

std::unique_ptr<Collector> CreateConntrack(const Paths& paths) { return NewConntrackCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("conntrack", kEnabledByDefault, nullptr, &CreateConntrack);

}  // namespace

std::unique_ptr<Collector> NewConntrackCollector(const Paths& paths) {
  return std::make_unique<ConntrackCollector>(paths);
}

}  // namespace node_agent
