// uname collector: node_uname_info from the uname(2) system call. Like
// node_exporter it reads the running kernel, never --path.* (live only).
#pragma once

#include <sys/utsname.h>

#include <memory>

#include "lib/collector.h"

namespace node_agent {

// The node_uname_info labels for a utsname, sorted by label name as
// client_golang serialises them.
Labels UnameLabels(const struct utsname& u);

std::unique_ptr<Collector> NewUnameCollector();

}  // namespace node_agent
