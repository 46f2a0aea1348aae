// logind collector: node_logind_sessions, the sessions logind
// (org.freedesktop.login1) has registered, by seat, remote, type and class,
// as node_exporter's logind collector (disabled by default).
//
// Per scrape: one batch (ListSeats, ListSessions), then one batch of the
// sessions' Remote, Type and Class properties, each sent at once and awaited
// together under one deadline, on one connection kept across scrapes.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/collector.h"

struct DBusMessage;

namespace node_agent {

struct LogindSessionEntry {
  std::string id;
  std::string seat;  // "" for sessions without a seat (ssh)
  std::string path;  // the session's object path
};

// ListSeats' reply, a(so): the seat ids; nullopt for an error reply or any
// other signature.
std::optional<std::vector<std::string>> ParseListSeats(DBusMessage* reply);
// ListSessions' reply, a(susso); nullopt likewise.
std::optional<std::vector<LogindSessionEntry>> ParseListSessions(DBusMessage* reply);
// The same from a whole message's bytes (tests, fuzzer); nullopt also when
// libdbus rejects the bytes.
std::optional<std::vector<std::string>> ParseListSeatsMessage(std::string_view bytes);
std::optional<std::vector<LogindSessionEntry>> ParseListSessionsMessage(std::string_view bytes);

// A Type or Class value as node_exporter labels it: the value when it is one
// of the known ones (as of systemd v229), else "other".
std::string LogindTypeLabel(std::string_view type);
std::string LogindClassLabel(std::string_view session_class);

struct LogindSession {
  std::string seat;
  std::string remote;  // "true" / "false"
  std::string type;    // already through LogindTypeLabel
  std::string session_class;
};

struct LogindSample {
  std::string session_class, remote, seat, type;
  double count = 0;
};
// Every (class, remote, seat, type) combination of the known values and
// `seats` plus the seatless "", with the number of `sessions` that have it,
// sorted by label values as the exposition lists them. Sessions on a seat
// not in `seats` are not counted, as in node_exporter.
std::vector<LogindSample> LogindSamples(std::vector<std::string> seats, const std::vector<LogindSession>& sessions);

struct LogindOptions {
  // "" = the system bus (SystemBusAddress()).
  std::string address;
  // Bound on each scrape's D-Bus calls, both batches together.
  std::chrono::milliseconds timeout{5000};
};

std::unique_ptr<Collector> NewLogindCollector(const LogindOptions& options);

}  // namespace node_agent
