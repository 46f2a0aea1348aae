#include "collectors/ntp.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>

#include "tests/support/python_server.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::PythonServer;
using testing::Value;

// An SNTP responder on 127.0.0.1: prints its port, then answers each request
// with the header fields given as argv (leap, stratum, root delay and
// dispersion in 16.16 units, reference time as Unix seconds, clock offset
// in seconds, and whether to echo the request's transmit time as origin).
constexpr const char* kSntpServer = R"PY(
import socket, struct, sys, time
leap, stratum, delay, disp, ref, offset, echo = sys.argv[1:8]
leap, stratum, delay, disp, echo = int(leap), int(stratum), int(delay), int(disp), echo == "1"
def ntp(t):
    t += 2208988800
    return (int(t) << 32) | int((t - int(t)) * 2**32)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
while True:
    req, addr = s.recvfrom(1024)
    if stratum < 0:
        continue
    origin = req[40:48] if echo else b"\x01" * 8
    now = time.time() + float(offset)
    pkt = struct.pack(">BBbbIII", (leap << 6) | (4 << 3) | 4, stratum, 6, -20, delay, disp, 0x7f000001)
    pkt += struct.pack(">Q", ntp(float(ref))) + origin + struct.pack(">QQ", ntp(now), ntp(now))
    s.sendto(pkt, addr)
)PY";

struct Server {
  int leap = 0;
  int stratum = 2;
  uint32_t root_delay = 0x8000;       // 0.5 s
  uint32_t root_dispersion = 0x4000;  // 0.25 s
  double reference = 0;               // Unix seconds; 0: ten seconds ago
  double offset = 0;
  bool echo = true;
};

std::unique_ptr<PythonServer> Start(Server s) {
  if (s.reference == 0) s.reference = static_cast<double>(std::time(nullptr) - 10);
  return std::make_unique<PythonServer>(
      kSntpServer, std::vector<std::string>{std::to_string(s.leap), std::to_string(s.stratum),
                                            std::to_string(s.root_delay), std::to_string(s.root_dispersion),
                                            std::to_string(s.reference), std::to_string(s.offset), s.echo ? "1" : "0"});
}

NtpOptions OptionsFor(const PythonServer& server) {
  NtpOptions o;
  o.server_port = std::stoi(server.line());
  return o;
}

TEST(NtpPacket, ParseAndRequest) {
  std::string req = BuildNtpRequest(4, 0x0102030405060708ULL);
  ASSERT_EQ(req.size(), 48u);
  EXPECT_EQ(static_cast<unsigned char>(req[0]), (4 << 3) | 3);
  EXPECT_EQ(req[3], 0x20);
  auto p = ParseNtpPacket(req);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->mode, 3);
  EXPECT_EQ(p->version, 4);
  EXPECT_EQ(p->transmit_time, 0x0102030405060708ULL);
  EXPECT_FALSE(ParseNtpPacket(req.substr(0, 47)));
}

TEST(NtpPacket, ReplyChecks) {
  NtpPacket p;
  p.mode = 4;
  p.origin_time = 7;
  p.receive_time = 10;
  p.transmit_time = 11;
  EXPECT_EQ(CheckNtpReply(p, 7), "");
  EXPECT_EQ(CheckNtpReply(p, 8), "server response didn't match request");
  p.receive_time = 12;
  EXPECT_EQ(CheckNtpReply(p, 7), "server clock ticked backwards");
  p.mode = 3;
  EXPECT_EQ(CheckNtpReply(p, 7), "invalid mode in response");
  p.mode = 4;
  p.transmit_time = 0;
  EXPECT_EQ(CheckNtpReply(p, 7), "invalid transmit time in response");
}

TEST(NtpTime, Conversions) {
  // 1970 is 2208988800 s after 1900; timestamps before it are in era 1 (2036+).
  EXPECT_EQ(UnixNanosToNtp(0), 2208988800ULL << 32);
  EXPECT_EQ(NtpToUnixNanos(2208988800ULL << 32), 0);
  EXPECT_EQ(NtpToUnixNanos((2208988800ULL << 32) | 0x80000000ULL), 500000000);
  EXPECT_EQ(NtpToUnixNanos(0), 2085978496LL * 1000000000LL);
  int64_t t = 1700000000123456789LL;
  EXPECT_LE(std::llabs(NtpToUnixNanos(UnixNanosToNtp(t)) - t), 1);
}

TEST(NtpResult, OffsetRttAndValidity) {
  const int64_t s = 1000000000LL;
  int64_t sent = 1700000000 * s;
  NtpPacket p;
  p.mode = 4;
  p.stratum = 1;
  p.receive_time = UnixNanosToNtp(sent + 2 * s + s / 10);  // server clock 2 s ahead, 0.1 s each way
  p.transmit_time = UnixNanosToNtp(sent + 2 * s + s / 10 + s / 100);
  p.reference_time = UnixNanosToNtp(sent - 64 * s);
  p.root_delay = 0x00010000;       // 1 s
  p.root_dispersion = 0x00008000;  // 0.5 s
  auto r = ComputeNtpResult(p, sent, sent + s / 5 + s / 100);
  EXPECT_NEAR(r.offset / 1e9, 2.0, 1e-6);
  EXPECT_NEAR(r.rtt / 1e9, 0.2, 1e-6);
  EXPECT_EQ(r.root_delay, s);
  EXPECT_EQ(r.root_dispersion, s / 2);
  EXPECT_NEAR(r.root_distance / 1e9, (0.2 + 1) / 2 + 0.5, 1e-6);
  EXPECT_NEAR(r.min_error / 1e9, 2.0 - 0.1, 1e-6);
  EXPECT_TRUE(r.valid);
  p.leap = 3;
  EXPECT_FALSE(ComputeNtpResult(p, sent, sent + s).valid);
  p.leap = 0;
  p.stratum = 16;
  EXPECT_FALSE(ComputeNtpResult(p, sent, sent + s).valid);
  p.stratum = 0;
  EXPECT_FALSE(ComputeNtpResult(p, sent, sent + s).valid);
  p.stratum = 2;
  p.reference_time = UnixNanosToNtp(sent + 10 * s);  // after the server's time
  EXPECT_FALSE(ComputeNtpResult(p, sent, sent + s).valid);
}

TEST(Ntp, QueriesLocalServer) {
  Server s;
  s.reference = static_cast<double>(std::time(nullptr) - 100) + 0.5;
  auto server = Start(s);
  MetricSet set;
  NewNtpCollector(OptionsFor(*server))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_ntp_stratum"), 2);
  EXPECT_DOUBLE_EQ(Value(set, "node_ntp_leap"), 0);
  EXPECT_DOUBLE_EQ(Value(set, "node_ntp_root_delay_seconds"), 0.5);
  EXPECT_DOUBLE_EQ(Value(set, "node_ntp_root_dispersion_seconds"), 0.25);
  EXPECT_NEAR(Value(set, "node_ntp_reference_timestamp_seconds"), s.reference, 1e-6);
  double rtt = Value(set, "node_ntp_rtt_seconds");
  EXPECT_GE(rtt, 0);
  EXPECT_LT(rtt, 0.9);
  EXPECT_NEAR(Value(set, "node_ntp_offset_seconds"), 0, 0.5);
  EXPECT_DOUBLE_EQ(Value(set, "node_ntp_sanity"), 1);
  EXPECT_EQ(set.Find("node_ntp_sanity")->help, "NTPD sanity according to RFC5905 heuristics and configured limits.");
}

TEST(Ntp, OffsetBeyondToleranceIsInsane) {
  Server s;
  s.offset = 5;
  auto server = Start(s);
  MetricSet set;
  NewNtpCollector(OptionsFor(*server))->Collect(set);
  EXPECT_NEAR(Value(set, "node_ntp_offset_seconds"), 5, 0.5);
  EXPECT_DOUBLE_EQ(Value(set, "node_ntp_sanity"), 0);
}

TEST(Ntp, UnsynchronisedLeapIsInsane) {
  Server s;
  s.leap = 3;
  s.stratum = 16;
  auto server = Start(s);
  MetricSet set;
  NewNtpCollector(OptionsFor(*server))->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_ntp_leap"), 3);
  EXPECT_DOUBLE_EQ(Value(set, "node_ntp_stratum"), 16);
  EXPECT_DOUBLE_EQ(Value(set, "node_ntp_sanity"), 0);
}

TEST(Ntp, MaxDistanceFlag) {
  auto server = Start(Server{});
  NtpOptions o = OptionsFor(*server);
  o.max_distance = "100ms";  // below the 0.5 s root distance the server claims
  MetricSet set;
  NewNtpCollector(o)->Collect(set);
  EXPECT_DOUBLE_EQ(Value(set, "node_ntp_sanity"), 0);
}

TEST(Ntp, ReplyToAnotherRequestFails) {
  Server s;
  s.echo = false;
  auto server = Start(s);
  MetricSet set;
  EXPECT_THROW(NewNtpCollector(OptionsFor(*server))->Collect(set), std::runtime_error);
}

TEST(Ntp, SilentServerTimesOut) {
  Server s;
  s.stratum = -1;  // reads requests, never answers
  auto server = Start(s);
  auto collector = NewNtpCollector(OptionsFor(*server));
  auto start = std::chrono::steady_clock::now();
  MetricSet set;
  EXPECT_THROW(collector->Collect(set), std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST(Ntp, FlagValidation) {
  NtpOptions o;
  o.server = "192.0.2.1";
  EXPECT_THROW(NewNtpCollector(o), std::invalid_argument);
  o.server_is_local = true;
  EXPECT_NO_THROW(NewNtpCollector(o));
  o = NtpOptions{};
  o.server = "::1";
  EXPECT_NO_THROW(NewNtpCollector(o));
  o = NtpOptions{};
  o.protocol_version = 5;
  EXPECT_THROW(NewNtpCollector(o), std::invalid_argument);
  o = NtpOptions{};
  o.server_port = 0;
  EXPECT_THROW(NewNtpCollector(o), std::invalid_argument);
  o = NtpOptions{};
  o.local_offset_tolerance = "-1ms";
  EXPECT_THROW(NewNtpCollector(o), std::invalid_argument);
  o = NtpOptions{};
  o.max_distance = "far";
  EXPECT_THROW(NewNtpCollector(o), std::invalid_argument);
}

}  // namespace
}  // namespace node_agent
