// supervisord collector: supervisor.getAllProcessInfo over XML-RPC
// (--collector.supervisord.url, http:// or unix://) as node_supervisord_*.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct SupervisordProcess {
  std::string name;
  std::string group;
  int64_t start = 0;
  int64_t state = 0;
  int64_t exit_status = 0;
};

// The processes of a getAllProcessInfo methodResponse. Like node_exporter,
// a field a process lacks keeps the previous process's value. A process
// that is not a struct or has a field of the wrong type goes to `skipped`.
// False with `error` set for a fault or a document that is not an array of
// processes.
bool ParseSupervisordProcesses(std::string_view xml, std::vector<SupervisordProcess>& out,
                               std::vector<std::string>& skipped, std::string& error);

// `timeout` bounds each call (Go's xmlrpc client: ten seconds).
std::unique_ptr<Collector> NewSupervisordCollector(const std::string& url,
                                                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace node_agent
