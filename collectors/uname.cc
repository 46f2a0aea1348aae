#include "collectors/uname.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace node_agent {

Labels UnameLabels(const struct utsname& u) {
  // The fields are NUL-terminated unless they fill the array.
  auto field = [](const char* f, size_t n) { return std::string(f, strnlen(f, n)); };
  return {{"domainname", field(u.domainname, sizeof u.domainname)},
          {"machine", field(u.machine, sizeof u.machine)},
          {"nodename", field(u.nodename, sizeof u.nodename)},
          {"release", field(u.release, sizeof u.release)},
          {"sysname", field(u.sysname, sizeof u.sysname)},
          {"version", field(u.version, sizeof u.version)}};
}

namespace {

class UnameCollector : public Collector {
 public:
  void Collect(MetricSet& out) override {
    // One syscall; the hostname can change, so it is not cached.
    struct utsname u;
    if (::uname(&u) != 0) throw std::runtime_error(std::string("uname: ") + std::strerror(errno));
    out.Gauge("node_uname_info", "Labeled system information as provided by the uname system call.",
              UnameLabels(u), 1);
  }
};

std::unique_ptr<Collector> CreateUname(const Paths&) { return NewUnameCollector(); }

NODE_AGENT_REGISTER_COLLECTOR("uname", kEnabledByDefault, nullptr, &CreateUname);

}  // namespace

std::unique_ptr<Collector> NewUnameCollector() { return std::make_unique<UnameCollector>(); }

}  // namespace node_agent
