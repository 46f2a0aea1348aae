// node-agent-nvml's executable inside node-agent (read by collectors/nvidia.cc), so
// the shipped product stays one static file. NODE_AGENT_NVML_HELPER_PATH is the
// helper CMake built for the same target (CMakeLists.txt).
__asm__(
    ".section .rodata.node_agent_nvml,\"a\"\n"
    ".balign 16\n"
    ".globl node_agent_nvml_start\n"
    ".hidden node_agent_nvml_start\n"
    "node_agent_nvml_start:\n"
    ".incbin \"" NODE_AGENT_NVML_HELPER_PATH "\"\n"
    ".globl node_agent_nvml_end\n"
    ".hidden node_agent_nvml_end\n"
    "node_agent_nvml_end:\n"
    ".previous\n");
