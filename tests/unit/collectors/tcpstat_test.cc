#include "collectors/tcpstat.h"

#include <gtest/gtest.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>
#include <sys/socket.h>

#include "tests/support/nl_builder.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::NlBuilder;
using testing::Value;

inet_diag_msg Sock(uint8_t state, uint32_t rq, uint32_t wq) {
  inet_diag_msg m{};
  m.idiag_family = AF_INET;
  m.idiag_state = state;
  m.idiag_rqueue = rq;
  m.idiag_wqueue = wq;
  return m;
}

TEST(TcpstatParse, CountsStatesAndQueues) {
  NlBuilder b;
  b.Begin(SOCK_DIAG_BY_FAMILY, Sock(TCP_ESTABLISHED, 10, 5)).End();
  b.Begin(SOCK_DIAG_BY_FAMILY, Sock(TCP_ESTABLISHED, 1, 2)).End();
  b.Begin(SOCK_DIAG_BY_FAMILY, Sock(TCP_LISTEN, 0, 0)).End();
  b.Begin(SOCK_DIAG_BY_FAMILY, int32_t{1}).End();  // too short for inet_diag_msg
  b.Done();
  TcpStateCounts counts;
  std::vector<std::string> skipped;
  ASSERT_TRUE(ParseTcpDiagDump(b.bytes(), counts, skipped));
  EXPECT_EQ(skipped.size(), 1u);
  EXPECT_EQ(counts[TCP_ESTABLISHED], 2);
  EXPECT_EQ(counts[TCP_LISTEN], 1);
  EXPECT_EQ(counts[12], 11);  // rx_queued_bytes
  EXPECT_EQ(counts[13], 7);   // tx_queued_bytes

  MetricSet set;
  AddTcpStatMetrics(counts, set);
  EXPECT_EQ(Value(set, "node_tcp_connection_states", {{"state", "established"}}), 2);
  EXPECT_EQ(Value(set, "node_tcp_connection_states", {{"state", "rx_queued_bytes"}}), 11);
  EXPECT_EQ(Value(set, "node_tcp_connection_states", {{"state", "time_wait"}}), -12345.678);  // none seen
  EXPECT_EQ(set.Find("node_tcp_connection_states")->help, "Number of connection states.");
}

TEST(TcpstatParse, StateNames) {
  EXPECT_EQ(TcpStateName(1), "established");
  EXPECT_EQ(TcpStateName(11), "closing");
  EXPECT_EQ(TcpStateName(14), "unknown");
  EXPECT_EQ(TcpStateName(0), "unknown");
}

TEST(TcpstatParse, TruncatedDumpFails) {
  NlBuilder b;
  b.Begin(SOCK_DIAG_BY_FAMILY, Sock(TCP_ESTABLISHED, 0, 0)).End();
  TcpStateCounts counts;
  std::vector<std::string> skipped;
  EXPECT_FALSE(ParseTcpDiagDump(b.bytes().substr(0, b.bytes().size() - 8), counts, skipped));
}

TEST(Tcpstat, LiveSeesAListeningSocket) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  MetricSet set;
  NewTcpstatCollector(testing::FixturePaths(""))->Collect(set);  // no tcp6 file there: IPv4 only
  EXPECT_GE(Value(set, "node_tcp_connection_states", {{"state", "listen"}}), 1);
  ::close(fd);
}

}  // namespace
}  // namespace node_agent
