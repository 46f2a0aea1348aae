// ntp collector: one SNTP query to a local NTP server (--collector.ntp.*)
// per scrape, as node_ntp_*, with beevik/ntp's arithmetic and sanity checks.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lib/collector.h"

namespace node_agent {

// An NTP packet's header (RFC 5905), timestamps as 32.32 fixed point
// seconds since 1900 (era 0) and root delay/dispersion as 16.16.
struct NtpPacket {
  uint8_t leap = 0;
  uint8_t version = 0;
  uint8_t mode = 0;
  uint8_t stratum = 0;
  int8_t poll = 0;
  int8_t precision = 0;
  uint32_t root_delay = 0;
  uint32_t root_dispersion = 0;
  uint32_t reference_id = 0;
  uint64_t reference_time = 0;
  uint64_t origin_time = 0;
  uint64_t receive_time = 0;
  uint64_t transmit_time = 0;
};

// The first 48 bytes of a datagram; nullopt when it is shorter.
std::optional<NtpPacket> ParseNtpPacket(std::string_view datagram);
// The client request: mode 3, `version`, precision 0x20 and `transmit` (a
// random nonce the server echoes as its origin time).
std::string BuildNtpRequest(int version, uint64_t transmit);
// Why a reply to a request carrying `transmit` is rejected (beevik/ntp's
// getTime checks), or "" when it is accepted.
std::string CheckNtpReply(const NtpPacket& reply, uint64_t transmit);

// What the collector reports for an accepted reply. Durations and times in
// nanoseconds (times since the Unix epoch), as Go's time package holds them.
struct NtpResult {
  int stratum = 0;
  int leap = 0;
  int64_t rtt = 0;
  int64_t offset = 0;
  int64_t time = 0;            // the server's transmit time
  int64_t reference_time = 0;
  int64_t root_delay = 0;
  int64_t root_dispersion = 0;
  int64_t root_distance = 0;
  int64_t min_error = 0;
  bool valid = false;  // beevik/ntp's Response.Validate() == nil
};

// `sent` and `received` are the local clock (ns since the Unix epoch) when
// the request left and the reply came.
NtpResult ComputeNtpResult(const NtpPacket& reply, int64_t sent, int64_t received);

// NTP 32.32 timestamps and Unix nanoseconds, as beevik/ntp converts them
// (era 1 for timestamps before 1970).
uint64_t UnixNanosToNtp(int64_t unix_ns);
int64_t NtpToUnixNanos(uint64_t ntp);

struct NtpOptions {
  std::string server = "127.0.0.1";
  int server_port = 123;
  int protocol_version = 4;
  bool server_is_local = false;
  int ip_ttl = 1;
  std::string max_distance = "3.46608s";
  std::string local_offset_tolerance = "1ms";
};

// Throws std::invalid_argument for the flag values node_exporter rejects.
std::unique_ptr<Collector> NewNtpCollector(const NtpOptions& options);

}  // namespace node_agent
