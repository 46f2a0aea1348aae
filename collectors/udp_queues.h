// udp_queues collector: the bytes queued in UDP sockets' send and receive
// queues, summed over /proc/net/udp and /proc/net/udp6.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

namespace node_agent {

struct UdpQueues {
  uint64_t tx = 0;
  uint64_t rx = 0;
};

// /proc/net/udp or udp6: a header line, then one line per socket. A socket
// line is taken as procfs' parser takes it (slot "N:", hex address:port
// pairs of 4 or 16 bytes, hex state, "tx:rx" hex queues, uid, inode and
// drops); any other line is appended to `skipped` and left out of the sums.
UdpQueues ParseUdpQueues(std::string_view content, std::vector<std::string>& skipped);

std::unique_ptr<Collector> NewUdpQueuesCollector(const Paths& paths);

}  // namespace node_agent
