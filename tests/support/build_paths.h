// Where the build put what the unit tests use. Defined in one source file
// (build_paths.cc) so that no other test's compile command carries absolute
// paths: ccache then reuses the objects in any checkout.
#pragma once

namespace node_agent::testing {

const char* FixturesDir();       // tests/fixtures of the source tree
const char* SourceDir();         // the source tree
const char* FakeNvmlLibrary();   // the fake libnvidia-ml.so.1
const char* NvmlHelperBinary();  // node-agent-nvml
const char* AgentBinary();       // node-agent

}  // namespace node_agent::testing

#define NODE_AGENT_FIXTURES (::node_agent::testing::FixturesDir())
#define NODE_AGENT_SOURCE_DIR (::node_agent::testing::SourceDir())
#define NODE_AGENT_FAKE_NVML (::node_agent::testing::FakeNvmlLibrary())
#define NODE_AGENT_NVML_HELPER (::node_agent::testing::NvmlHelperBinary())
#define NODE_AGENT_BINARY (::node_agent::testing::AgentBinary())
