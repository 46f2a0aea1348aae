// Flag parsing: defaults, collector toggles, bad flags, node_exporter-only
// flags, --help.
#include <gtest/gtest.h>

#include <algorithm>

#include "agent/flags.h"
#include "lib/collector.h"

namespace node_agent {
namespace {

int Parse(std::vector<const char*> args, Config& config) {
  args.insert(args.begin(), "node-agent");
  return ParseFlags(static_cast<int>(args.size()), args.data(), config);
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(Flags, DefaultsAndCollectorToggles) {
  Config config;
  ASSERT_EQ(Parse({}, config), -1);
  EXPECT_EQ(config.listen_addresses, (std::vector<std::string>{":9100"}));
  EXPECT_EQ(config.telemetry_path, "/metrics");
  EXPECT_EQ(config.paths.procfs, "/proc");
  for (const auto& info : RegisteredCollectors()) {
    EXPECT_EQ(Has(config.enabled_collectors, info.name), info.enabled_by_default) << info.name;
  }

  Config c2;
  ASSERT_EQ(Parse({"--collector.disable-defaults", "--web.listen-address=127.0.0.1:1",
                   "--web.listen-address", "[::1]:2", "--path.procfs=/x/proc"},
                  c2),
            -1);
  EXPECT_TRUE(c2.enabled_collectors.empty());
  EXPECT_EQ(c2.listen_addresses.size(), 2u);
  EXPECT_EQ(c2.paths.procfs, "/x/proc");
}

TEST(Flags, EnableAndDisableByName) {
  const auto& all = RegisteredCollectors();
  if (all.empty()) GTEST_SKIP() << "no collectors linked";
  std::string name = all.front().name;
  std::string on = "--collector." + name, off = "--no-collector." + name;
  Config c1;
  ASSERT_EQ(Parse({"--collector.disable-defaults", on.c_str()}, c1), -1);
  EXPECT_EQ(c1.enabled_collectors, (std::vector<std::string>{name}));
  Config c2;
  ASSERT_EQ(Parse({off.c_str()}, c2), -1);
  EXPECT_FALSE(Has(c2.enabled_collectors, name));
}

TEST(Flags, BadFlagsFail) {
  Config config;
  ::testing::internal::CaptureStderr();
  EXPECT_GT(Parse({"--no-such-flag"}, config), 0);
  EXPECT_GT(Parse({"--log.level=loud"}, config), 0);
  EXPECT_GT(Parse({"--web.max-requests=-1"}, config), 0);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("--no-such-flag"), std::string::npos);
  EXPECT_NE(err.find("--log.level"), std::string::npos);
}

TEST(Flags, NodeExporterOnlyFlagsAreIgnoredNotFatal) {
  // A node_exporter ExecStart line with its Go runtime and socket-activation
  // flags must start; flags after ignored ones still apply.
  Config config;
  ASSERT_EQ(Parse({"--runtime.gomaxprocs", "2", "--collector.textfile.directory=/tmp", "--web.systemd-socket",
                   "--no-collector.cpu"},
                  config),
            -1);
  EXPECT_EQ(config.ignored_flags, (std::vector<std::string>{"--runtime.gomaxprocs 2", "--web.systemd-socket"}));
  EXPECT_FALSE(Has(config.enabled_collectors, "cpu"));
  EXPECT_FALSE(IsUnimplementedNodeExporterCollector("systemd"));
  EXPECT_FALSE(IsUnimplementedNodeExporterCollector("cpu"));
  EXPECT_FALSE(IsUnimplementedNodeExporterCollector("no_such_collector"));
}

TEST(Flags, HelpShowsNoFlagValues) {
  Config config;
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(Parse({"--help"}, config), 0);
  std::string help = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(help.find("--no-collector.cpu"), std::string::npos);
  EXPECT_EQ(help.find("{false}"), std::string::npos);
}

}  // namespace
}  // namespace node_agent
