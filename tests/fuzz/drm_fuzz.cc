// /sys/class/drm: card entry names, the device uevent and the amdgpu attribute files.
// seeds:
#include "collectors/drm.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  (void)IsDrmCardEntry(data);
  (void)IsAmdgpuUevent(data);
  AmdgpuCard card;
  card.name = "card0";
  for (std::string_view file : kAmdgpuFiles) (void)SetAmdgpuAttribute(card, file, data);
  MetricSet out;
  AddAmdgpuMetrics(card, out);
  FUZZ_CHECK(out.Find("node_drm_card_info") != nullptr);
}
