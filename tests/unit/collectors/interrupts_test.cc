#include "collectors/interrupts.h"

#include <gtest/gtest.h>

#include "tests/support/log_capture.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

using testing::FixturePaths;
using testing::SampleCount;
using testing::Value;

constexpr std::string_view kInterrupts =
    "           CPU0       CPU1       \n"
    "  0:         18          0  IR-IO-APIC-edge      timer\n"
    " 16:     328511     322879  IR-IO-APIC-fasteoi   ehci_hcd:usb1, mmc0\n"
    " 40:          0          0  DMAR_MSI-edge      dmar0\n"
    "NMI:         47       5031   Non-maskable interrupts\n"
    "LOC:  174326351  135776678   Local timer interrupts\n"
    "ERR:          0\n"
    "MIS:          0\n";

TEST(InterruptsParse, NumberedAndNamedRows) {
  std::vector<std::string> skipped;
  auto parsed = ParseInterrupts(kInterrupts, skipped);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(parsed->cpus, 2u);
  ASSERT_EQ(parsed->rows.size(), 5u);  // ERR and MIS have no value per CPU
  const InterruptRow& usb = parsed->rows[1];
  EXPECT_EQ(usb.name, "16");
  EXPECT_EQ(usb.info, "IR-IO-APIC-fasteoi");
  EXPECT_EQ(usb.devices, "ehci_hcd:usb1, mmc0");
  EXPECT_EQ(usb.values, (std::vector<double>{328511, 322879}));
  const InterruptRow& nmi = parsed->rows[3];
  EXPECT_EQ(nmi.name, "NMI");
  EXPECT_EQ(nmi.info, "Non-maskable interrupts");
  EXPECT_EQ(nmi.devices, "");
}

TEST(InterruptsParse, Aarch64NoSpaceAfterName) {
  std::vector<std::string> skipped;
  auto parsed = ParseInterrupts(
      "           CPU0       CPU1\n"
      "IPI0:1245 1133   Rescheduling interrupts\n"
      " 11:  2 3     GICv3  27 Level     arch_timer\n",
      skipped);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->rows.size(), 2u);
  EXPECT_EQ(parsed->rows[0].name, "IPI0");
  EXPECT_EQ(parsed->rows[0].values, (std::vector<double>{1245, 1133}));
  EXPECT_EQ(parsed->rows[0].info, "Rescheduling interrupts");
  EXPECT_EQ(parsed->rows[1].info, "GICv3");
  EXPECT_EQ(parsed->rows[1].devices, "27 Level arch_timer");
}

TEST(InterruptsParse, RepeatedNameKeepsLastRow) {
  std::vector<std::string> skipped;
  auto parsed = ParseInterrupts("CPU0\nX: 1 a\nY: 2 b\nX: 3 c\n", skipped);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->rows.size(), 2u);
  EXPECT_EQ(parsed->rows[0].name, "X");
  EXPECT_EQ(parsed->rows[0].values[0], 3);
  EXPECT_EQ(parsed->rows[0].info, "c");
}

TEST(InterruptsParse, MalformedValueSkipsRow) {
  std::vector<std::string> skipped;
  auto parsed = ParseInterrupts("CPU0 CPU1\n 1: 5 x edge i8042\n 2: 1 2 edge y\nnocolon 1 2 3\n", skipped);
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->rows.size(), 1u);
  EXPECT_EQ(parsed->rows[0].name, "2");
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0], "1: 5 x edge i8042");
  EXPECT_FALSE(ParseInterrupts("", skipped));
}

TEST(Interrupts, SamplesPerCpu) {
  testing::TempDir dir;
  dir.Write("proc/interrupts", std::string(kInterrupts));
  MetricSet set;
  NewInterruptsCollector(FixturePaths(dir.path()), {})->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_interrupts_total"), 10u);
  EXPECT_EQ(Value(set, "node_interrupts_total",
                  {{"cpu", "1"}, {"devices", "ehci_hcd:usb1, mmc0"}, {"info", "IR-IO-APIC-fasteoi"}, {"type", "16"}}),
            322879);
  EXPECT_EQ(Value(set, "node_interrupts_total",
                  {{"cpu", "0"}, {"devices", ""}, {"info", "Local timer interrupts"}, {"type", "LOC"}}),
            174326351);
  auto f = testing::Find(set, "node_interrupts_total");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->type, MetricType::Counter);
  EXPECT_EQ(f->help, "Interrupt details.");
}

TEST(Interrupts, NameFilterSeesNameInfoDevices) {
  testing::TempDir dir;
  dir.Write("proc/interrupts", std::string(kInterrupts));
  InterruptsOptions include;
  include.name_include = "^(NMI|16);";
  MetricSet set;
  NewInterruptsCollector(FixturePaths(dir.path()), include)->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_interrupts_total"), 4u);
  InterruptsOptions exclude;
  exclude.name_exclude = ";dmar0$|timer";  // matches 40's devices and rows 0 and LOC
  MetricSet set2;
  NewInterruptsCollector(FixturePaths(dir.path()), exclude)->Collect(set2);
  EXPECT_EQ(SampleCount(set2, "node_interrupts_total"), 4u);
}

TEST(Interrupts, ExcludeZeros) {
  testing::TempDir dir;
  dir.Write("proc/interrupts", std::string(kInterrupts));
  InterruptsOptions o;
  o.include_zeros = false;
  MetricSet set;
  NewInterruptsCollector(FixturePaths(dir.path()), o)->Collect(set);
  EXPECT_EQ(SampleCount(set, "node_interrupts_total"), 7u);
}

TEST(Interrupts, BadRegexNamesFlag) {
  InterruptsOptions o;
  o.name_include = "(";
  try {
    NewInterruptsCollector(Paths{}, o);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("collector.interrupts.name-include"), std::string::npos);
  }
}

TEST(Interrupts, MissingFileFails) {
  testing::TempDir dir;
  MetricSet set;
  EXPECT_THROW(NewInterruptsCollector(FixturePaths(dir.path()), {})->Collect(set), std::runtime_error);
}

}  // namespace
}  // namespace node_agent
