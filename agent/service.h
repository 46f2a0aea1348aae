// Service life: systemd readiness (Type=notify) and the open-file limit.
#pragma once

#include <string>
#include <string_view>

namespace node_agent {

// Sends `state` ("READY=1", "STOPPING=1", "RELOADING=1") to systemd's
// notification socket, a unix datagram socket at `socket_path` ("@name": an
// abstract name), as sd_notify(3) does, without libsystemd. `socket_path`
// empty: $NOTIFY_SOCKET; unset there too: nothing to do, returns true.
// Returns false when the message could not be sent.
bool SdNotify(std::string_view state, std::string socket_path = "");

// Raises the soft RLIMIT_NOFILE to the hard limit, as Go's runtime does at
// start, so many idle connections do not exhaust descriptors. Returns the
// soft limit now in effect.
long RaiseOpenFileLimit();

// Flushes stdout and stderr and ends the process at once with `code`, without
// destructors or atexit handlers, so no thread stuck in a handler can delay
// the exit the shutdown promised.
[[noreturn]] void ExitNow(int code);

}  // namespace node_agent
