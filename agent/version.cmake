# Writes agent/version.h (the version and git revision behind --version and
# node_agent_build_info) into the build tree. Run at every build, not only at
# configure time, so a rebuild after a commit reports that commit; the file is
# rewritten only when its content changes, so an unchanged revision recompiles
# nothing.
#   cmake -DSOURCE_DIR=... -DVERSION=... -DOUTPUT=.../version.h -P agent/version.cmake
execute_process(COMMAND git rev-parse --short=12 HEAD
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE NODE_AGENT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
if(NOT NODE_AGENT_REVISION)
  set(NODE_AGENT_REVISION unknown)
endif()
set(NODE_AGENT_VERSION ${VERSION})
configure_file(${CMAKE_CURRENT_LIST_DIR}/version.h.in ${OUTPUT} @ONLY)
