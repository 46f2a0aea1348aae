// Each collector file registers exactly one collector, named after the file
// (collectors/NAME.cc or collectors/NAME/NAME.cc), and lib/ registers none.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "tests/support/build_paths.h"
#include "lib/collector.h"

namespace node_agent {
namespace {

namespace fs = std::filesystem;

// __FILE__ is absolute or relative to the build directory (ninja, ccache's
// base_dir): keep the part from the tree's top-level folder on.
std::string RelativeToSource(const std::string& file) {
  std::string path = fs::path(file).lexically_normal().generic_string();
  for (const char* top : {"collectors/", "lib/", "agent/"}) {
    std::string needle = std::string("/") + top;
    if (path.starts_with(top)) return path;
    if (auto pos = path.rfind(needle); pos != std::string::npos) return path.substr(pos + 1);
  }
  return path;
}

TEST(CollectorRegistry, EachCollectorFileRegistersOneCollectorNamedAfterIt) {
  std::map<std::string, std::string> file_of;  // relative source file -> collector name
  for (const auto& info : RegisteredCollectors()) {
    std::string rel = RelativeToSource(info.source_file);
    EXPECT_TRUE(file_of.emplace(rel, info.name).second) << rel << " registers more than one collector";
    fs::path p(rel);
    bool flat = p.parent_path() == "collectors" && p.stem() == info.name;
    bool folder = p.parent_path() == fs::path("collectors") / info.name && p.stem() == info.name;
    EXPECT_TRUE(flat || folder) << "collector " << info.name << " is registered by " << rel;
  }
  // Every collectors/NAME.cc is a collector.
  for (const auto& entry : fs::directory_iterator(fs::path(NODE_AGENT_SOURCE_DIR) / "collectors")) {
    if (entry.path().extension() != ".cc") continue;
    std::string rel = RelativeToSource(entry.path().string());
    EXPECT_TRUE(file_of.count(rel)) << rel << " registers no collector (helpers belong in lib/)";
  }
}

TEST(CollectorRegistry, NamesAreSortedAndUnique) {
  const auto& all = RegisteredCollectors();
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].name, all[i].name);
}

}  // namespace
}  // namespace node_agent
