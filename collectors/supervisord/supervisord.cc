#include "collectors/supervisord/supervisord.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <tuple>

#include "collectors/supervisord/http.h"
#include "collectors/supervisord/xmlrpc.h"
#include "lib/log.h"

namespace node_agent {

namespace {

// Copies the struct's known members into `p`; false on a member of the wrong type.
bool ReadProcess(const XmlRpcValue& v, SupervisordProcess& p) {
  using K = XmlRpcValue::Kind;
  for (const auto& [key, value] : v.members) {
    if (key == "name" || key == "group") {
      if (value.kind != K::kString) return false;
      (key == "name" ? p.name : p.group) = value.text;
    } else if (key == "start" || key == "state" || key == "exitstatus") {
      if (value.kind != K::kInt) return false;
      (key == "start" ? p.start : key == "state" ? p.state : p.exit_status) = value.integer;
    }
  }
  return true;
}

}  // namespace

bool ParseSupervisordProcesses(std::string_view xml, std::vector<SupervisordProcess>& out,
                               std::vector<std::string>& skipped, std::string& error) {
  XmlRpcValue value;
  if (!ParseXmlRpcResponse(xml, value, error)) return false;
  if (value.kind != XmlRpcValue::Kind::kArray) {
    error = "getAllProcessInfo did not return an array";
    return false;
  }
  SupervisordProcess current;
  for (size_t i = 0; i < value.array.size(); ++i) {
    SupervisordProcess next = current;
    if (value.array[i].kind != XmlRpcValue::Kind::kStruct || !ReadProcess(value.array[i], next)) {
      skipped.push_back(fmt::format("process {}: not a struct of the expected types", i));
      continue;
    }
    current = next;
    out.push_back(std::move(next));
  }
  return true;
}

namespace {

std::string& UrlFlag() {
  static std::string url = "http://localhost:9001/RPC2";
  return url;
}

void AddSupervisordFlags(CLI::App& app) {
  app.add_option("--collector.supervisord.url", UrlFlag(), "XML RPC endpoint.")
      ->envname("SUPERVISORD_URL")
      ->default_str(UrlFlag())
      ->group("supervisord collector");
}

// STARTING, RUNNING and STOPPING (http://supervisord.org/subprocess.html#process-states).
bool IsRunning(int64_t state) { return state == 10 || state == 20 || state == 40; }

class SupervisordCollector : public Collector {
 public:
  SupervisordCollector(HttpTarget target, std::chrono::milliseconds timeout)
      : target_(std::move(target)), timeout_(timeout) {}

  void Collect(MetricSet& out) override {
    static const std::string request = XmlRpcCall("supervisor.getAllProcessInfo");
    HttpClientResponse response;
    std::string error;
    if (!HttpPost(target_, "text/xml", request, timeout_, response, error)) {
      throw std::runtime_error("unable to call supervisord: " + error);
    }
    if (response.status / 100 != 2) {
      throw std::runtime_error(fmt::format("unable to call supervisord: HTTP status {}", response.status));
    }
    std::vector<SupervisordProcess> processes;
    std::vector<std::string> skipped;
    if (!ParseSupervisordProcesses(response.body, processes, skipped, error)) {
      throw std::runtime_error("unable to call supervisord: " + error);
    }
    ReportSkipped("supervisord", target_.unix_socket ? target_.socket_path : target_.host_header, skipped);
    // Labels by name, samples by label values, as node_exporter's exposition orders them.
    std::stable_sort(processes.begin(), processes.end(), [](const auto& a, const auto& b) {
      return std::tie(a.group, a.name) < std::tie(b.group, b.name);
    });
    for (const auto& p : processes) {
      out.Gauge("node_supervisord_state", "Process State", {{"group", p.group}, {"name", p.name}},
                static_cast<double>(p.state));
    }
    for (const auto& p : processes) {
      out.Gauge("node_supervisord_exit_status", "Process Exit Status", {{"group", p.group}, {"name", p.name}},
                static_cast<double>(p.exit_status));
    }
    for (const auto& p : processes) {
      out.Gauge("node_supervisord_up", "Process Up", {{"group", p.group}, {"name", p.name}},
                IsRunning(p.state) ? 1 : 0);
    }
    for (const auto& p : processes) {
      if (!IsRunning(p.state)) continue;
      out.Counter("node_supervisord_start_time_seconds", "Process start time", {{"group", p.group}, {"name", p.name}},
                  static_cast<double>(p.start));
    }
  }

 private:
  HttpTarget target_;
  std::chrono::milliseconds timeout_;
};

std::unique_ptr<Collector> CreateSupervisord(const Paths&) { return NewSupervisordCollector(UrlFlag()); }

NODE_AGENT_REGISTER_COLLECTOR("supervisord", kDisabledByDefault, &AddSupervisordFlags, &CreateSupervisord);

}  // namespace

std::unique_ptr<Collector> NewSupervisordCollector(const std::string& url, std::chrono::milliseconds timeout) {
  std::string error;
  auto target = ParseHttpUrl(url, error);
  if (!target) throw std::invalid_argument(fmt::format("--collector.supervisord.url: {}: {}", url, error));
  log::Warn("This collector is deprecated and will be removed in the next major version release.",
            {{"collector", "supervisord"}});
  return std::make_unique<SupervisordCollector>(std::move(*target), timeout);
}

}  // namespace node_agent
