// Collector flags as main() uses them: ParseFlags, then each collector created
// from what was parsed, after ParseFlags' CLI::App is gone. Under ASan this is
// where a collector that kept a CLI::Option* (a dangling pointer) shows.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "agent/flags.h"
#include "lib/collector.h"
#include "tests/support/test_util.h"

namespace node_agent {
namespace {

int Parse(std::vector<const char*> args, Config& config) {
  args.insert(args.begin(), "node-agent");
  return ParseFlags(static_cast<int>(args.size()), args.data(), config);
}

std::unique_ptr<Collector> Create(const char* name) {
  const CollectorInfo* info = FindCollector(name);
  if (!info) throw std::logic_error("no collector");
  return info->create(testing::FixturePaths(testing::FixturePath("disk")));
}

TEST(CollectorFlags, ExplicitExcludeSeenAfterParsing) {
  Config config;
  // An explicit exclude with an include: mutually exclusive (node_exporter refuses).
  ASSERT_EQ(Parse({"--collector.diskstats.device-exclude=^loop", "--collector.diskstats.device-include=^sd",
                   "--collector.filesystem.mount-points-exclude=^/x", "--collector.filesystem.mount-points-include=^/y",
                   "--collector.filesystem.fs-types-exclude=^tmpfs$", "--collector.filesystem.fs-types-include=^ext4$"},
                  config),
            -1);
  EXPECT_THROW(Create("diskstats"), std::invalid_argument);
  EXPECT_THROW(Create("filesystem"), std::invalid_argument);

  // Parsed again without the excludes (flag variables are static, so the
  // values stay; what must reset is "given"): an include given alone drops
  // the exclude default, for filesystem and (node_exporter >= 1.11) diskstats.
  Config again;
  ASSERT_EQ(Parse({"--collector.diskstats.device-include=^sd", "--collector.filesystem.mount-points-include=^/y",
                   "--collector.filesystem.fs-types-include=^ext4$"},
                  again),
            -1);
  EXPECT_NE(Create("filesystem"), nullptr);
  EXPECT_NE(Create("diskstats"), nullptr);
}

TEST(CollectorFlags, EmptyValueDoesNotSwallowTheNextArgument) {
  Config config;
  ASSERT_EQ(Parse({"--collector.netdev.device-exclude=", "--web.listen-address=127.0.0.1:9200"}, config), -1);
  EXPECT_EQ(config.listen_addresses, std::vector<std::string>{"127.0.0.1:9200"});
  // Every kind of option: a string with a default, a repeatable one, the last argument.
  Config last;
  ASSERT_EQ(Parse({"--web.listen-address=127.0.0.1:9201", "--collector.diskstats.device-exclude="}, last), -1);
  EXPECT_EQ(last.listen_addresses, std::vector<std::string>{"127.0.0.1:9201"});
  EXPECT_NE(Create("diskstats"), nullptr);
  Config ray;
  ASSERT_EQ(Parse({"--ray.sd-file=", "--log.level=debug"}, ray), -1);
  EXPECT_EQ(ray.ray_sd_file, "");
  EXPECT_EQ(ray.log_level, "debug");
}

TEST(CollectorFlags, GoRegexpSyntaxAccepted) {
  Config config;
  // Flag values are static: clear the include an earlier test set.
  ASSERT_EQ(Parse({"--collector.diskstats.device-exclude=(?i)^loop\\d+$", "--collector.diskstats.device-include="},
                  config),
            -1);
  EXPECT_NE(Create("diskstats"), nullptr);
  Config bad;
  ASSERT_EQ(Parse({"--collector.diskstats.device-exclude=(unclosed", "--collector.diskstats.device-include="}, bad),
            -1);
  try {
    Create("diskstats");
    FAIL() << "no exception for an invalid expression";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--collector.diskstats.device-exclude"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace node_agent
