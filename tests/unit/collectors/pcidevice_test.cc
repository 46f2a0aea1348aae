#include "collectors/pcidevice.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::SampleCount;
using testing::TempDir;
using testing::Value;

TEST(PcideviceParse, Location) {
  auto l = ParsePciLocation("0000:45:00.1");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->segment, 0);
  EXPECT_EQ(l->bus, 0x45);
  EXPECT_EQ(l->function, 1);
  auto labels = PciLocationLabels(*l);
  EXPECT_EQ(labels, (std::array<std::string, 4>{"0000", "45", "00", "1"}));
  EXPECT_EQ(PciLocationLabels({-1, -1, 0x1f, 0xa}), (std::array<std::string, 4>{"-001", "-1", "1f", "a"}));
  EXPECT_FALSE(ParsePciLocation("pci0000:00"));
  EXPECT_FALSE(ParsePciLocation("0000:00:02"));
  EXPECT_FALSE(ParsePciLocation("0000:00:02.1.2"));
  EXPECT_FALSE(ParsePciLocation("0000:00:00:02.1"));
  EXPECT_FALSE(ParsePciLocation("0000:0x:02.1"));
  EXPECT_FALSE(ParsePciLocation("100000000:00:02.1"));  // over int32
  EXPECT_FALSE(ParsePciLocation(""));
}

TEST(PcideviceParse, Attributes) {
  PciDevice d;
  EXPECT_TRUE(SetPciDeviceAttribute(d, "class", "0x010802"));
  EXPECT_TRUE(SetPciDeviceAttribute(d, "vendor", "0x1d0f"));
  EXPECT_TRUE(SetPciDeviceAttribute(d, "revision", "0x00"));
  EXPECT_FALSE(SetPciDeviceAttribute(d, "device", "0xzz"));
  EXPECT_FALSE(SetPciDeviceAttribute(d, "device", "0x100000000"));
  EXPECT_EQ(d.class_id, 0x010802u);
  EXPECT_EQ(d.vendor, 0x1d0fu);
  EXPECT_TRUE(SetPciDeviceAttribute(d, "max_link_speed", "16.0 GT/s PCIe"));
  EXPECT_EQ(d.max_link_speed, 16.0);
  EXPECT_TRUE(SetPciDeviceAttribute(d, "current_link_speed", "Unknown"));
  EXPECT_FALSE(d.current_link_speed);
  EXPECT_TRUE(SetPciDeviceAttribute(d, "current_link_speed", ""));
  EXPECT_FALSE(SetPciDeviceAttribute(d, "current_link_speed", "8.0 GT/s"));
  EXPECT_FALSE(SetPciDeviceAttribute(d, "current_link_speed", "8.0"));
  EXPECT_FALSE(SetPciDeviceAttribute(d, "current_link_speed", "x GT/s PCIe"));
  EXPECT_TRUE(SetPciDeviceAttribute(d, "max_link_width", "16"));
  EXPECT_EQ(d.max_link_width, 16.0);
  EXPECT_TRUE(SetPciDeviceAttribute(d, "numa_node", "-1"));
  EXPECT_EQ(d.numa_node, -1);
  EXPECT_TRUE(SetPciDeviceAttribute(d, "sriov_totalvfs", "8"));
  EXPECT_TRUE(SetPciDeviceAttribute(d, "sriov_vf_device", "10ed"));
  EXPECT_FALSE(SetPciDeviceAttribute(d, "sriov_numvfs", "-1"));
  EXPECT_TRUE(SetPciDeviceAttribute(d, "d3cold_allowed", "1"));
  EXPECT_TRUE(SetPciDeviceAttribute(d, "power_state", "D3hot"));
  EXPECT_EQ(d.sriov_totalvfs, 8u);
  EXPECT_EQ(d.d3cold_allowed, true);
  EXPECT_EQ(d.power_state, "D3hot");
  EXPECT_FALSE(SetPciDeviceAttribute(d, "uevent", "x"));
}

TEST(PcideviceParse, PciIds) {
  PciIds ids = ParsePciIds(
      "# comment\n"
      "8086  Intel Corporation\n"
      "\t1521  I350 Gigabit Network Connection\n"
      "\t\t8086 00a3  Ethernet Server Adapter I350-T4\r\n"
      "\t\tmalformed\n"
      "ffff  Illegal Vendor ID\n"
      "C 01  Mass storage controller\n"
      "\t08  Non-Volatile memory controller\n"
      "\t\t02  NVM Express\n"
      "\t\t\tignored\n"
      "C 02  Network controller\n"
      "C x\n");
  EXPECT_EQ(ids.VendorName("0x8086"), "Intel Corporation");
  EXPECT_EQ(ids.VendorName("0x1234"), "1234");
  EXPECT_EQ(ids.DeviceName("0x8086", "0x1521"), "I350 Gigabit Network Connection");
  EXPECT_EQ(ids.DeviceName("0x8086", "0x9999"), "9999");
  EXPECT_EQ(ids.SubsystemName("0x8086", "0x1521", "0x8086", "0x00a3"), "Ethernet Server Adapter I350-T4");
  EXPECT_EQ(ids.SubsystemName("0x8086", "0x1521", "0x8086", "0x00a4"), "00a4");
  EXPECT_EQ(ids.ClassName("0x010802"), "NVM Express");
  EXPECT_EQ(ids.ClassName("0x010801"), "Non-Volatile memory controller");
  EXPECT_EQ(ids.ClassName("0x020000"), "Network controller");
  EXPECT_EQ(ids.ClassName("0x030000"), "Unknown class (030000)");
  EXPECT_EQ(ids.vendors.size(), 2u);
}

TEST(PcideviceParse, PciIdsStopsAtOverlongLine) {
  std::string content = "1d0f  Amazon.com, Inc.\n" + std::string(70000, 'x') + "\n8086  Intel Corporation\n";
  PciIds ids = ParsePciIds(content);
  EXPECT_EQ(ids.VendorName("0x1d0f"), "Amazon.com, Inc.");
  EXPECT_EQ(ids.VendorName("0x8086"), "8086");  // bufio.Scanner gave up before it
}

// A device as sysfs shows it: bus/pci/devices/<loc> links into devices/.
void WriteDevice(const TempDir& dir, const std::string& parents, const std::string& loc,
                 const std::map<std::string, std::string>& attrs) {
  std::string rel = "sys/devices/" + parents + "/" + loc;
  for (const auto& [f, v] : attrs) dir.Write(rel + "/" + f, v + "\n");
  std::filesystem::create_directories(dir.path() + "/sys/bus/pci/devices");
  std::filesystem::create_symlink("../../../devices/" + parents + "/" + loc,
                                  dir.path() + "/sys/bus/pci/devices/" + loc);
}

std::map<std::string, std::string> Identity(const std::string& cls, const std::string& vendor,
                                            const std::string& device) {
  return {{"class", cls},
          {"vendor", vendor},
          {"device", device},
          {"subsystem_vendor", vendor},
          {"subsystem_device", device},
          {"revision", "0x00"}};
}

TEST(PcideviceCollector, Devices) {
  TempDir dir;
  auto nvme = Identity("0x010802", "0x1d0f", "0x8061");
  nvme["max_link_speed"] = "8.0 GT/s PCIe";
  nvme["current_link_speed"] = "8.0 GT/s PCIe";
  nvme["max_link_width"] = "4";
  nvme["current_link_width"] = "4";
  nvme["numa_node"] = "0";
  nvme["power_state"] = "D0";
  nvme["d3cold_allowed"] = "1";
  WriteDevice(dir, "pci0000:00/0000:00:04.0", "0000:01:00.0", nvme);
  WriteDevice(dir, "pci0000:00", "0000:00:05.0", Identity("0x020000", "0x1d0f", "0xec20"));
  Labels nvme_loc = {{"bus", "01"}, {"device", "00"}, {"function", "0"}, {"segment", "0000"}};
  Labels ena_loc = {{"bus", "00"}, {"device", "05"}, {"function", "0"}, {"segment", "0000"}};

  auto c = NewPcideviceCollector(testing::FixturePaths(dir.path()), {});
  MetricSet set;
  c->Collect(set);
  EXPECT_EQ(Value(set, "node_pcidevice_info",
                  {{"bus", "01"}, {"class_id", "0x010802"}, {"device", "00"}, {"device_id", "0x8061"},
                   {"function", "0"}, {"parent_bus", "00"}, {"parent_device", "04"}, {"parent_function", "0"},
                   {"parent_segment", "0000"}, {"revision", "0x00"}, {"segment", "0000"},
                   {"subsystem_device_id", "0x8061"}, {"subsystem_vendor_id", "0x1d0f"}, {"vendor_id", "0x1d0f"}}),
            1);
  EXPECT_EQ(Value(set, "node_pcidevice_max_link_transfers_per_second", nvme_loc), 8e9);
  EXPECT_EQ(Value(set, "node_pcidevice_max_link_transfers_per_second", ena_loc), -1);
  EXPECT_EQ(Value(set, "node_pcidevice_current_link_width", ena_loc), -1);
  EXPECT_EQ(Value(set, "node_pcidevice_sriov_numvfs", ena_loc), 0);
  EXPECT_EQ(Value(set, "node_pcidevice_numa_node", nvme_loc), 0);
  EXPECT_EQ(SampleCount(set, "node_pcidevice_numa_node"), 1u);
  Labels d0 = nvme_loc, d3 = nvme_loc;
  d0.push_back({"state", "D0"});
  d3.push_back({"state", "D3hot"});
  EXPECT_EQ(Value(set, "node_pcidevice_power_state", d0), 1);
  EXPECT_EQ(Value(set, "node_pcidevice_power_state", d3), 0);
  EXPECT_EQ(SampleCount(set, "node_pcidevice_power_state"), 7u);  // the ENA has no power_state

  // With names from a pci.ids file.
  auto named = NewPcideviceCollector(testing::FixturePaths(dir.path()),
                                     {.idsfile = testing::FixturePath("pcidevice/pci.ids"), .names = true});
  MetricSet n;
  named->Collect(n);
  EXPECT_EQ(Value(n, "node_pcidevice_info",
                  {{"bus", "00"}, {"class_id", "0x020000"}, {"class_name", "Ethernet controller"},
                   {"device", "05"}, {"device_id", "0xec20"}, {"device_name", "Elastic Network Adapter (ENA)"},
                   {"function", "0"}, {"parent_bus", "*"}, {"parent_device", "*"}, {"parent_function", "*"},
                   {"parent_segment", "*"}, {"revision", "0x00"}, {"segment", "0000"},
                   {"subsystem_device_id", "0xec20"}, {"subsystem_device_name", "ENA"},
                   {"subsystem_vendor_id", "0x1d0f"}, {"subsystem_vendor_name", "Amazon.com, Inc."},
                   {"vendor_id", "0x1d0f"}, {"vendor_name", "Amazon.com, Inc."}}),
            1);
}

TEST(PcideviceCollector, Errors) {
  TempDir dir;
  auto c = NewPcideviceCollector(testing::FixturePaths(dir.path()), {});
  MetricSet set;
  EXPECT_EQ(RunCollect(*c, set).status, CollectStatus::kNoData);  // no bus/pci
  auto bad = Identity("0x020000", "0x1d0f", "0xec20");
  bad["max_link_width"] = "wide";
  WriteDevice(dir, "pci0000:00", "0000:00:05.0", bad);
  EXPECT_THROW(c->Collect(set), std::runtime_error);
  // A missing identity file: ENOENT, which node_exporter reports as no data.
  dir.Write("sys/devices/pci0000:00/0000:00:05.0/max_link_width", "1\n");
  std::filesystem::remove(dir.path() + "/sys/devices/pci0000:00/0000:00:05.0/revision");
  EXPECT_EQ(RunCollect(*c, set).status, CollectStatus::kNoData);
}

}  // namespace
}  // namespace node_agent
