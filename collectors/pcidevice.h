// pcidevice collector: PCI devices from /sys/bus/pci/devices, as
// node_exporter's collector/pcidevice_linux.go with prometheus/procfs
// sysfs/pci_device.go; with --collector.pcidevice.names, vendor, device,
// subsystem and class names from a pci.ids file.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "lib/collector.h"

namespace node_agent {

// "0000:00:02.1": segment, bus, device and function, each a Go
// strconv.ParseInt(s, 16, 32). nullopt when malformed.
struct PciLocation {
  int64_t segment = 0, bus = 0, device = 0, function = 0;
};
std::optional<PciLocation> ParsePciLocation(std::string_view s);
// The segment, bus, device and function labels: Go's %04x, %02x, %02x, %x.
std::array<std::string, 4> PciLocationLabels(const PciLocation& loc);

// What procfs reads of one device.
struct PciDevice {
  PciLocation location;
  std::optional<PciLocation> parent;  // unset when the parent is a root ("pci0000:00")
  uint32_t class_id = 0, vendor = 0, device = 0, subsystem_vendor = 0, subsystem_device = 0, revision = 0;
  std::optional<int64_t> numa_node;
  std::optional<double> max_link_speed, max_link_width, current_link_speed, current_link_width;
  std::optional<bool> sriov_drivers_autoprobe, d3cold_allowed;
  std::optional<uint64_t> sriov_numvfs, sriov_totalvfs, sriov_vf_total_msix;
  std::optional<std::string> power_state;
};

// The attribute files procfs reads: the identity ones (required), then the
// optional ones.
inline constexpr std::string_view kPciRequiredFiles[] = {"class",           "vendor",           "device",
                                                         "subsystem_vendor", "subsystem_device", "revision"};
inline constexpr std::string_view kPciOptionalFiles[] = {
    "max_link_speed", "max_link_width", "current_link_speed", "current_link_width", "numa_node",
    "sriov_drivers_autoprobe", "sriov_numvfs", "sriov_offset", "sriov_stride", "sriov_totalvfs",
    "sriov_vf_device", "sriov_vf_total_msix", "d3cold_allowed", "power_state"};

// Stores one attribute (`value` as SysReadFile returns it) as procfs parses
// it. False when the value is malformed (procfs then fails the whole
// listing); "" and "Unknown..." link values are left unset.
bool SetPciDeviceAttribute(PciDevice& dev, std::string_view file, std::string_view value);

// A pci.ids database, as node_exporter's loadPCIIds reads it.
struct PciIds {
  std::unordered_map<std::string, std::string> vendors, classes, subclasses, prog_ifs;
  std::unordered_map<std::string, std::unordered_map<std::string, std::string>> devices;  // vendor -> device -> name
  std::unordered_map<std::string, std::unordered_map<std::string, std::string>> subsystems;  // "v:d" -> "sv:sd" -> name

  // node_exporter's getPCI*Name: the ids as labelled ("0x8086"); the id
  // without "0x" when unknown, "Unknown class (ID)" for a class.
  std::string VendorName(std::string_view vendor_id) const;
  std::string DeviceName(std::string_view vendor_id, std::string_view device_id) const;
  std::string SubsystemName(std::string_view vendor_id, std::string_view device_id,
                            std::string_view subsystem_vendor_id, std::string_view subsystem_device_id) const;
  std::string ClassName(std::string_view class_id) const;
};

// Parses a pci.ids file (vendors with their devices and subsystems, then "C"
// classes with subclasses and programming interfaces). Lines that fit no
// entry are ignored, as node_exporter does; reading stops at a line of 64 KiB
// or more (Go's bufio.Scanner limit).
PciIds ParsePciIds(std::string_view content);

// Adds the device's samples as node_exporter does; `names` (null without
// --collector.pcidevice.names) adds the *_name labels to node_pcidevice_info.
void AddPciDeviceMetrics(const PciDevice& dev, const PciIds* names, MetricSet& out);

struct PcideviceOptions {
  std::string idsfile;  // --collector.pcidevice.idsfile
  bool names = false;   // --collector.pcidevice.names
};

std::unique_ptr<Collector> NewPcideviceCollector(const Paths& paths, const PcideviceOptions& options);

}  // namespace node_agent
