// /sys/class/fc_host/<host> attributes and statistics/ counters. The first
// byte picks the file, the rest is its content.
#include "collectors/fibrechannel.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  if (data.empty()) return;
  auto pick = static_cast<unsigned char>(data[0]);
  std::string_view content = data.substr(1);
  FcHost host;
  (void)SetFcHostAttr(host, kFcHostAttrs[pick % kFcHostAttrs.size()], content);
  (void)SetFcCounter(host, kFcCounterFiles[pick % kFcCounterFiles.size()], content);
  for (const auto& a : host.attrs) FUZZ_CHECK(a.size() <= content.size());
  MetricSet set;
  AddFcHostMetrics("host0", host, set);
  FUZZ_CHECK(set.Find("node_fibrechannel_info") != nullptr);
}
