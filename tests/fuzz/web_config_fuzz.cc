// The --web.config.file parser (exporter-toolkit YAML): any input is a config
// or a WebConfigError naming the field, never another exception or a crash.
// seeds: web_config
#include "agent/web_config.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  try {
    node_agent::WebConfig config = node_agent::ParseWebConfig(data, "/nonexistent");
    for (const auto& [user, hash] : config.users) FUZZ_CHECK(node_agent::IsBcryptHash(hash));
  } catch (const node_agent::WebConfigError& e) {
    FUZZ_CHECK(e.what()[0] != '\0');
  }
}
