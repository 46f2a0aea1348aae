// An SNTP reply datagram: the header, the reply checks and the offset, delay
// and sanity arithmetic on it.
#include "collectors/ntp.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  auto p = node_agent::ParseNtpPacket(data);
  FUZZ_CHECK(p.has_value() == (data.size() >= 48));
  if (!p) return;
  node_agent::CheckNtpReply(*p, p->origin_time);
  const int64_t sent = 1700000000LL * 1000000000LL;
  auto r = node_agent::ComputeNtpResult(*p, sent, sent + static_cast<int64_t>(p->poll) * 1000);
  FUZZ_CHECK(r.rtt >= 0);
  FUZZ_CHECK(r.min_error >= 0);
  FUZZ_CHECK(r.leap >= 0 && r.leap <= 3);
}
