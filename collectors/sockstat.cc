#include "collectors/sockstat.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "lib/log.h"

namespace node_agent {

Sockstat ParseSockstat(std::string_view content, std::vector<std::string>* problems) {
  Sockstat out;
  auto problem = [&](std::string_view line, std::string_view why) {
    if (problems) problems->push_back(fmt::format("{}: '{}'", why, line));
  };
  std::vector<std::string_view> f;
  for (auto line : Lines(content)) {
    Fields(line, f);
    if (f.empty()) continue;
    if (f.size() < 3 || f[0].size() < 2 || f[0].back() != ':') {
      problem(line, "malformed sockstat line");
      continue;
    }
    if ((f.size() - 1) % 2 != 0) {
      problem(line, "odd number of key/value fields");
      continue;
    }
    std::string_view proto = f[0].substr(0, f[0].size() - 1);
    SockstatProtocol p;
    p.protocol = std::string(proto);
    std::optional<int64_t> used;
    bool ok = true;
    for (size_t i = 1; i + 1 < f.size(); i += 2) {
      auto v = ParseInt(f[i + 1]);
      if (!v) {
        ok = false;
        break;
      }
      std::string_view key = f[i];
      if (key == "inuse") p.inuse = *v;
      else if (key == "orphan") p.orphan = *v;
      else if (key == "tw") p.tw = *v;
      else if (key == "alloc") p.alloc = *v;
      else if (key == "mem") p.mem = *v;
      else if (key == "memory") p.memory = *v;
      else if (key == "used") used = *v;
    }
    if (!ok) {
      problem(line, "invalid value");
      continue;
    }
    if (proto == "sockets") {
      out.used = used.value_or(0);
      continue;
    }
    bool duplicate = false;
    for (const auto& q : out.protocols) duplicate |= q.protocol == p.protocol;
    if (duplicate) {
      problem(line, "repeated protocol");
      continue;
    }
    out.protocols.push_back(std::move(p));
  }
  return out;
}

namespace {

class SockstatCollector : public Collector {
 public:
  SockstatCollector(const Paths& paths, long page_size)
      : sockstat_(paths.Proc("net/sockstat"), ShortRead::kIsEnd),
        sockstat6_(paths.Proc("net/sockstat6"), ShortRead::kIsEnd),
        page_size_(page_size > 0 ? page_size : sysconf(_SC_PAGESIZE)) {}

  void Collect(MetricSet& out) override {
    // Either file is absent when its IP version is disabled.
    for (CachedFile* file : {&sockstat_, &sockstat6_}) {
      if (!Read(*file)) continue;
      Emit(out, ParseSockstat(buf_, &problems_), file == &sockstat6_);
      ReportSkipped("sockstat", file->path(), problems_);
      problems_.clear();
    }
  }

 private:
  bool Read(CachedFile& file) {
    int err = file.Read(buf_);
    if (err == 0) return true;
    if (err == ENOENT) {
      log::Debug("sockstat statistics not found, skipping", {{"path", file.path()}});
      return false;
    }
    ThrowPathError("failed to read ", file.path(), err);
  }

  void Emit(MetricSet& out, const Sockstat& s, bool ipv6) {
    if (!ipv6 && s.used) {
      out.Gauge("node_sockstat_sockets_used", "Number of IPv4 sockets in use.", {},
                static_cast<double>(*s.used));
    }
    for (const auto& p : s.protocols) {
      auto emit = [&](std::string_view state, std::optional<int64_t> v) {
        if (!v) return;
        out.Gauge(fmt::format("node_sockstat_{}_{}", p.protocol, state),
                  fmt::format("Number of {} sockets in state {}.", p.protocol, state), {},
                  static_cast<double>(*v));
      };
      emit("inuse", p.inuse);
      emit("orphan", p.orphan);
      emit("tw", p.tw);
      emit("alloc", p.alloc);
      emit("mem", p.mem);
      emit("memory", p.memory);
      if (p.mem) emit("mem_bytes", *p.mem * page_size_);
    }
  }

  CachedFile sockstat_;
  CachedFile sockstat6_;
  int64_t page_size_;
  std::string buf_;
  std::vector<std::string> problems_;
};

std::unique_ptr<Collector> CreateSockstat(const Paths& paths) { return NewSockstatCollector(paths); }

NODE_AGENT_REGISTER_COLLECTOR("sockstat", kEnabledByDefault, nullptr, &CreateSockstat);

}  // namespace

std::unique_ptr<Collector> NewSockstatCollector(const Paths& paths, long page_size) {
  return std::make_unique<SockstatCollector>(paths, page_size);
}

}  // namespace node_agent
