// /proc/sys/fs/file-nr.
// seeds: filefd
#include "collectors/filefd.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  if (auto stats = node_agent::ParseFileNr(data)) {
    node_agent::fuzz::CheckExposesExactly(stats->allocated);
    node_agent::fuzz::CheckExposesExactly(stats->maximum);
  }
}
