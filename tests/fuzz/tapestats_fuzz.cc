// /sys/class/scsi_tape/st*/stats/ counters. The first byte picks the file,
// the rest is its content.
#include "collectors/tapestats.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  if (data.empty()) return;
  size_t i = static_cast<unsigned char>(data[0]) % kTapeStatFiles.size();
  TapeCounters c;
  bool ok = SetTapeCounter(c, kTapeStatFiles[i], data.substr(1));
  FUZZ_CHECK(ok == c.values[i].has_value());
  (void)IsTapeDeviceName(data);
}
