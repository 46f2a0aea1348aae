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
  // values stay; what must reset is "given"): filesystem then drops its
  // excludes for the includes; diskstats still refuses, as node_exporter does.
  Config again;
  ASSERT_EQ(Parse({"--collector.diskstats.device-include=^sd", "--collector.filesystem.mount-points-include=^/y",
                   "--collector.filesystem.fs-types-include=^ext4$"},
                  again),
            -1);
  EXPECT_NE(Create("filesystem"), nullptr);
  EXPECT_THROW(Create("diskstats"), std::invalid_argument);
}

}  // namespace
}  // namespace node_agent
