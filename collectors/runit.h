// runit collector: the services of a runit service directory
// (--collector.runit.servicedir) from each one's supervise/status, as
// node_service_* with supervisor="runit".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

struct RunitStatus {
  int64_t timestamp = 0;  // Unix seconds of the last state change
  int64_t pid = 0;
  int state = 0;  // 0 down, 1 run, 2 finish
  int want = 0;   // 1 when runsv wants it up ('u'), else 0
};

// runsv's binary supervise/status: a TAI64 label (bytes 0-7, big endian),
// the pid (12-15, little endian), the wanted state (17, 'u' or 'd') and the
// state (19). A short file reads as if zero-padded to 20 bytes, as go-runit
// reads it; nullopt when empty.
std::optional<RunitStatus> ParseRunitStatus(std::string_view content);

std::unique_ptr<Collector> NewRunitCollector(const Paths& paths, const std::string& service_dir);

}  // namespace node_agent
