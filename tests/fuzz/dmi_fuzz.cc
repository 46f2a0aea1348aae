// /sys/class/dmi/id: file names to node_dmi_info labels, values made valid UTF-8.
// seeds:
#include "collectors/dmi.h"
#include "lib/go_compat.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  using namespace node_agent;
  // Lines "file=value".
  std::vector<std::pair<std::string, std::string>> files;
  for (auto line : Lines(data)) {
    auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    files.emplace_back(line.substr(0, eq), GoTrimSpace(line.substr(eq + 1)));
  }
  Labels labels = DmiLabels(files);
  for (size_t i = 0; i < labels.size(); ++i) {
    FUZZ_CHECK(ToValidUtf8(labels[i].value) == labels[i].value);
    if (i) FUZZ_CHECK(labels[i - 1].name < labels[i].name);
  }
}
