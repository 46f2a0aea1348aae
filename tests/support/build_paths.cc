// The only test source compiled with the build's absolute paths (CMakeLists.txt).
#include "tests/support/build_paths.h"

namespace node_agent::testing {

const char* FixturesDir() { return BUILD_PATH_FIXTURES; }
const char* SourceDir() { return BUILD_PATH_SOURCE_DIR; }
const char* FakeNvmlLibrary() { return BUILD_PATH_FAKE_NVML; }
const char* NvmlHelperBinary() { return BUILD_PATH_NVML_HELPER; }
const char* AgentBinary() { return BUILD_PATH_BINARY; }

}  // namespace node_agent::testing
