#include "collectors/qdisc.h"

#include <fmt/format.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/gen_stats.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <stdexcept>

#include "lib/go_json.h"
#include "lib/log.h"

namespace node_agent {

namespace {

// Applies one message's TCA_STATS2 / TCA_STATS to `q`; false when a stats
// structure is shorter than ema/qdisc reads (where Go would panic).
bool ApplyStats(uint16_t type, const nlattr* a, QdiscInfo& q) {
  std::string_view p = NlPayload(a);
  auto u32 = [&](size_t off) {
    uint32_t v;
    std::memcpy(&v, p.data() + off, 4);
    return v;
  };
  if (type == TCA_STATS) {
    if (p.size() < 36) return false;  // struct tc_stats up to backlog
    std::memcpy(&q.bytes, p.data(), 8);
    q.packets = u32(8);
    q.drops = u32(12);
    q.overlimits = u32(16);
    q.qlen = u32(28);
    q.backlog = u32(32);
    return true;
  }
  // TCA_STATS2: every field is set, from zero where a part is missing.
  NlAttrs tb(TCA_STATS_MAX);
  tb.ParseNested(a);
  uint64_t bytes = 0;
  uint32_t queue[5] = {};  // gnet_stats_queue: qlen, backlog, drops, requeues, overlimits
  uint32_t packets = 0;
  if (const nlattr* basic = tb[TCA_STATS_BASIC]) {
    std::string_view b = NlPayload(basic);
    if (b.size() < 12) return false;
    std::memcpy(&bytes, b.data(), 8);
    std::memcpy(&packets, b.data() + 8, 4);
  }
  if (const nlattr* qa = tb[TCA_STATS_QUEUE]) {
    std::string_view b = NlPayload(qa);
    if (b.size() < sizeof(queue)) return false;
    std::memcpy(queue, b.data(), sizeof(queue));
  }
  q.bytes = bytes;
  q.packets = packets;
  q.qlen = queue[0];
  q.backlog = queue[1];
  q.drops = queue[2];
  q.requeues = queue[3];
  q.overlimits = queue[4];
  return true;
}

}  // namespace

bool ParseQdiscDump(std::string_view bytes, const std::vector<LinkName>& links,
                    std::vector<QdiscInfo>& out, std::vector<std::string>& skipped) {
  out.clear();
  NlMessages msgs(bytes);
  return msgs.ForEach([&](const nlmsghdr* hdr) {
    if (hdr->nlmsg_type != RTM_NEWQDISC) return;
    if (hdr->nlmsg_len < NLMSG_LENGTH(sizeof(tcmsg))) {
      skipped.push_back(fmt::format("short message, len={}", hdr->nlmsg_len - NLMSG_HDRLEN));
      return;
    }
    tcmsg tc;
    std::memcpy(&tc, NLMSG_DATA(hdr), sizeof(tc));
    QdiscInfo q;
    q.handle = tc.tcm_handle;
    q.parent = tc.tcm_parent == TC_H_ROOT ? 0 : tc.tcm_parent;
    q.iface = std::string(LinkNameOf(links, tc.tcm_ifindex));
    bool ok = true;
    // The attributes in order: TCA_STATS follows TCA_STATS2 in the kernel's
    // messages and, as in ema/qdisc, overwrites what both carry.
    ForEachAttr(hdr, sizeof(tcmsg), [&](const nlattr* a) {
      auto type = static_cast<uint16_t>(NlType(a));
      if (type == TCA_KIND) q.kind = NlString(a);
      if (type == TCA_STATS || type == TCA_STATS2) ok = ok && ApplyStats(type, a, q);
    });
    if (!ok) {
      skipped.push_back(fmt::format("qdisc of ifindex {} handle {:x}: stats too short", tc.tcm_ifindex,
                                    tc.tcm_handle));
      return;
    }
    out.push_back(std::move(q));
  });
}

bool ParseQdiscFixture(std::string_view json, std::vector<QdiscInfo>& out, std::string& error) {
  namespace gj = gojson;
  out.clear();
  gj::Json doc = gj::Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    error = "invalid JSON";
    return false;
  }
  if (doc.is_null()) return true;
  if (!doc.is_array()) {
    error = "cannot unmarshal into []qdisc.QdiscInfo";
    return false;
  }
  for (const gj::Json& item : doc) {
    QdiscInfo q;
    uint64_t parent = 0, handle = 0, packets = 0, drops = 0, requeues = 0, overlimits = 0, qlen = 0,
             backlog = 0;
    if (!item.is_null() && !item.is_object()) {
      error = "cannot unmarshal into qdisc.QdiscInfo";
      return false;
    }
    constexpr uint64_t kU32 = UINT32_MAX;
    bool ok = gj::String(gj::Field(item, "IfaceName"), q.iface) &&
              gj::Uint(gj::Field(item, "Parent"), kU32, parent) &&
              gj::Uint(gj::Field(item, "Handle"), kU32, handle) &&
              gj::String(gj::Field(item, "Kind"), q.kind) &&
              gj::Uint(gj::Field(item, "Bytes"), UINT64_MAX, q.bytes) &&
              gj::Uint(gj::Field(item, "Packets"), kU32, packets) &&
              gj::Uint(gj::Field(item, "Drops"), kU32, drops) &&
              gj::Uint(gj::Field(item, "Requeues"), kU32, requeues) &&
              gj::Uint(gj::Field(item, "Overlimits"), kU32, overlimits) &&
              gj::Uint(gj::Field(item, "Qlen"), kU32, qlen) &&
              gj::Uint(gj::Field(item, "Backlog"), kU32, backlog);
    if (!ok) {
      error = "cannot unmarshal a field of qdisc.QdiscInfo";
      return false;
    }
    q.parent = static_cast<uint32_t>(parent);
    q.handle = static_cast<uint32_t>(handle);
    q.packets = static_cast<uint32_t>(packets);
    q.drops = static_cast<uint32_t>(drops);
    q.requeues = static_cast<uint32_t>(requeues);
    q.overlimits = static_cast<uint32_t>(overlimits);
    q.qlen = static_cast<uint32_t>(qlen);
    q.backlog = static_cast<uint32_t>(backlog);
    out.push_back(std::move(q));
  }
  return true;
}

void AddQdiscMetrics(const std::vector<QdiscInfo>& qdiscs, const DeviceFilter& filter, MetricSet& out) {
  for (const QdiscInfo& q : qdiscs) {
    if (q.parent != 0) continue;  // only root qdiscs
    if (filter.Ignored(q.iface)) continue;
    auto labels = [&] { return Labels{{"device", q.iface}, {"kind", q.kind}}; };
    out.Counter("node_qdisc_bytes_total", "Number of bytes sent.", labels(), static_cast<double>(q.bytes));
    out.Counter("node_qdisc_packets_total", "Number of packets sent.", labels(), q.packets);
    out.Counter("node_qdisc_drops_total", "Number of packets dropped.", labels(), q.drops);
    out.Counter("node_qdisc_requeues_total", "Number of packets dequeued, not transmitted, and requeued.",
                labels(), q.requeues);
    out.Counter("node_qdisc_overlimits_total", "Number of overlimit packets.", labels(), q.overlimits);
    out.Gauge("node_qdisc_current_queue_length", "Number of packets currently in queue to be sent.",
              labels(), q.qlen);
    out.Gauge("node_qdisc_backlog", "Number of bytes currently in queue to be sent.", labels(), q.backlog);
  }
}

namespace {

class QdiscCollector : public Collector {
 public:
  QdiscCollector(std::string fixtures, DeviceFilter filter)
      : fixtures_(std::move(fixtures)), filter_(std::move(filter)) {}

  void Collect(MetricSet& out) override {
    if (!fixtures_.empty()) {
      CollectFixture(out);
      return;
    }
    tcmsg tc{};
    if (int err = sock_.Request(RTM_GETQDISC, NLM_F_DUMP, &tc, sizeof(tc), {}, dump_); err != 0) {
      throw std::runtime_error(fmt::format("failed to execute request: {}", std::strerror(err)));
    }
    if (int err = DumpLinks(sock_, links_dump_); err != 0) {
      throw std::runtime_error(fmt::format("failed to list interfaces: {}", std::strerror(err)));
    }
    if (!ParseLinkNames(links_dump_, links_)) throw std::runtime_error("malformed link dump");
    skipped_.clear();
    if (!ParseQdiscDump(dump_, links_, qdiscs_, skipped_)) {
      throw std::runtime_error("malformed qdisc dump");
    }
    ReportSkipped("qdisc", "netlink RTM_GETQDISC", skipped_);
    AddQdiscMetrics(qdiscs_, filter_, out);
  }

 private:
  void CollectFixture(MetricSet& out) {
    std::string path = fixtures_ + (fixtures_.back() == '/' ? "" : "/") + "results.json";
    std::string content, error;
    int err = 0;
    if (!ReadFile(path, content, &err)) {
      throw std::runtime_error(fmt::format("open {}: {}", path, std::strerror(err)));
    }
    if (!ParseQdiscFixture(content, qdiscs_, error)) {
      throw std::runtime_error(fmt::format("{}: {}", path, error));
    }
    AddQdiscMetrics(qdiscs_, filter_, out);
  }

  std::string fixtures_;
  DeviceFilter filter_;
  NetlinkSocket sock_{NETLINK_ROUTE};
  std::string dump_, links_dump_;
  std::vector<LinkName> links_;
  std::vector<QdiscInfo> qdiscs_;
  std::vector<std::string> skipped_;
};

QdiscOptions& Flags() {
  static QdiscOptions options;
  return options;
}

void AddQdiscFlags(CLI::App& app) {
  QdiscOptions& o = Flags();
  const char* group = "qdisc collector";
  app.add_option("--collector.qdisc.fixtures", o.fixtures,
                 "test fixtures to use for qdisc collector end-to-end testing")
      ->group(group);
  app.add_option("--collector.qdisc.device-include", o.device_include,
                 "Regexp of qdisc devices to include (mutually exclusive to device-exclude).")
      ->group(group);
  app.add_option("--collector.qdisc.device-exclude", o.device_exclude,
                 "Regexp of qdisc devices to exclude (mutually exclusive to device-include).")
      ->group(group);
  // Hidden, as in node_exporter.
  app.add_option("--collector.qdisk.device-include", o.old_device_include,
                 "DEPRECATED: Use collector.qdisc.device-include")
      ->group("");
  app.add_option("--collector.qdisk.device-exclude", o.old_device_exclude,
                 "DEPRECATED: Use collector.qdisc.device-exclude")
      ->group("");
}

std::unique_ptr<Collector> CreateQdisc(const Paths& paths) { return NewQdiscCollector(paths, Flags()); }

NODE_AGENT_REGISTER_COLLECTOR("qdisc", kDisabledByDefault, &AddQdiscFlags, &CreateQdisc);

}  // namespace

std::unique_ptr<Collector> NewQdiscCollector(const Paths&, const QdiscOptions& options) {
  std::string include = options.device_include, exclude = options.device_exclude;
  std::string include_flag = "collector.qdisc.device-include";
  std::string exclude_flag = "collector.qdisc.device-exclude";
  if (!options.old_device_include.empty()) {
    if (!include.empty()) {
      throw std::invalid_argument(
          "--collector.qdisk.device-include and --collector.qdisc.device-include are mutually exclusive");
    }
    log::Warn("--collector.qdisk.device-include is DEPRECATED and will be removed in 2.0.0, use "
              "--collector.qdisc.device-include");
    include = options.old_device_include;
    include_flag = "collector.qdisk.device-include";
  }
  if (!options.old_device_exclude.empty()) {
    if (!exclude.empty()) {
      throw std::invalid_argument(
          "--collector.qdisk.device-exclude and --collector.qdisc.device-exclude are mutually exclusive");
    }
    log::Warn("--collector.qdisk.device-exclude is DEPRECATED and will be removed in 2.0.0, use "
              "--collector.qdisc.device-exclude");
    exclude = options.old_device_exclude;
    exclude_flag = "collector.qdisk.device-exclude";
  }
  if (!include.empty() && !exclude.empty()) {
    throw std::invalid_argument(
        "collector.qdisc.device-include and collector.qdisc.device-exclude are mutaly exclusive");
  }
  DeviceFilter filter(exclude_flag, exclude, include_flag, include);
  return std::make_unique<QdiscCollector>(options.fixtures, std::move(filter));
}

}  // namespace node_agent
