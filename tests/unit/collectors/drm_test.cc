#include "collectors/drm.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::SampleCount;
using testing::TempDir;
using testing::Value;

TEST(DrmParse, Entries) {
  EXPECT_TRUE(IsDrmCardEntry("card0"));
  EXPECT_TRUE(IsDrmCardEntry("card9"));
  EXPECT_FALSE(IsDrmCardEntry("card10"));  // procfs' glob card[0-9]
  EXPECT_FALSE(IsDrmCardEntry("card0-DP-1"));
  EXPECT_FALSE(IsDrmCardEntry("renderD128"));
  EXPECT_FALSE(IsDrmCardEntry("version"));
}

TEST(DrmParse, Uevent) {
  EXPECT_TRUE(IsAmdgpuUevent("DRIVER=amdgpu\nPCI_CLASS=30000\nPCI_ID=1002:687F"));
  EXPECT_FALSE(IsAmdgpuUevent("DRIVER=i915\nPCI_CLASS=30000"));
  EXPECT_FALSE(IsAmdgpuUevent(""));
}

TEST(DrmParse, Attributes) {
  AmdgpuCard card;
  EXPECT_TRUE(SetAmdgpuAttribute(card, "gpu_busy_percent", "4"));
  EXPECT_TRUE(SetAmdgpuAttribute(card, "mem_info_vram_total", "8573157376"));
  EXPECT_TRUE(SetAmdgpuAttribute(card, "mem_info_vram_vendor", "samsung"));
  EXPECT_FALSE(SetAmdgpuAttribute(card, "mem_info_gtt_used", "-1"));
  EXPECT_FALSE(SetAmdgpuAttribute(card, "name", "x"));
  EXPECT_EQ(card.gpu_busy_percent, 4u);
  EXPECT_EQ(card.vram_total, 8573157376u);
  EXPECT_EQ(card.vram_vendor, "samsung");
}

// An amdgpu card and an Intel one, laid out as the drm class shows them.
void WriteCards(const TempDir& dir) {
  const std::string amd = "sys/devices/pci0000:00/0000:00:03.1/0000:09:00.0/";
  dir.Write(amd + "uevent", "DRIVER=amdgpu\nPCI_CLASS=30000\nPCI_ID=1002:687F\n");
  dir.Write(amd + "gpu_busy_percent", "4\n");
  dir.Write(amd + "mem_info_gtt_total", "8573157376\n");
  dir.Write(amd + "mem_info_gtt_used", "144560128\n");
  dir.Write(amd + "mem_info_vis_vram_total", "8573157376\n");
  dir.Write(amd + "mem_info_vis_vram_used", "1490378752\n");
  dir.Write(amd + "mem_info_vram_total", "8573157376\n");
  dir.Write(amd + "mem_info_vram_used", "1490378752\n");
  dir.Write(amd + "mem_info_vram_vendor", "samsung\n");
  dir.Write(amd + "power_dpm_force_performance_level", "manual\n");
  dir.Write(amd + "unique_id", "0123456789abcdef\n");
  const std::string intel = "sys/devices/pci0000:00/0000:00:02.0/";
  dir.Write(intel + "uevent", "DRIVER=i915\nPCI_CLASS=30000\n");
  std::filesystem::create_directories(dir.path() + "/sys/class/drm/card0");
  std::filesystem::create_directories(dir.path() + "/sys/class/drm/card1");
  std::filesystem::create_symlink("../../../devices/pci0000:00/0000:00:03.1/0000:09:00.0",
                                  dir.path() + "/sys/class/drm/card0/device");
  std::filesystem::create_symlink("../../../devices/pci0000:00/0000:00:02.0",
                                  dir.path() + "/sys/class/drm/card1/device");
  dir.Write("sys/class/drm/version", "drm 1.1.0 20060810\n");
}

TEST(DrmCollector, AmdgpuCards) {
  TempDir dir;
  WriteCards(dir);
  auto c = NewDrmCollector(testing::FixturePaths(dir.path()));
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Value(set, "node_drm_card_info", {{"card", "card0"}, {"memory_vendor", "samsung"},
                                              {"power_performance_level", "manual"},
                                              {"unique_id", "0123456789abcdef"}, {"vendor", "amd"}}),
            1);
  EXPECT_EQ(Value(set, "node_drm_gpu_busy_percent", {{"card", "card0"}}), 4);
  EXPECT_EQ(Value(set, "node_drm_memory_gtt_size_bytes", {{"card", "card0"}}), 8573157376.0);
  EXPECT_EQ(Value(set, "node_drm_memory_vis_vram_used_bytes", {{"card", "card0"}}), 1490378752.0);
  EXPECT_EQ(Value(set, "node_drm_memory_vram_used_bytes", {{"card", "card0"}}), 1490378752.0);
  EXPECT_EQ(SampleCount(set, "node_drm_card_info"), 1u);  // the i915 card is not reported
}

TEST(DrmCollector, MissingFieldReadsZeroNoDrmIsEmpty) {
  TempDir dir;
  WriteCards(dir);
  std::filesystem::remove(dir.path() + "/sys/devices/pci0000:00/0000:00:03.1/0000:09:00.0/gpu_busy_percent");
  auto c = NewDrmCollector(testing::FixturePaths(dir.path()));
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Value(set, "node_drm_gpu_busy_percent", {{"card", "card0"}}), 0);
  TempDir empty;
  MetricSet none;
  NewDrmCollector(testing::FixturePaths(empty.path()))->Collect(none);
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace node_agent
