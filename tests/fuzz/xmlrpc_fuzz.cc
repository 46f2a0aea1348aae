// supervisord's XML-RPC answer: the XML reader, the value model and the
// getAllProcessInfo reading on top.
// seeds: supervisord
#include "collectors/supervisord/supervisord.h"
#include "collectors/supervisord/xmlrpc.h"
#include "tests/fuzz/fuzz_util.h"

FUZZ_TEST(data) {
  node_agent::XmlRpcValue v;
  std::string error;
  if (!node_agent::ParseXmlRpcResponse(data, v, error)) FUZZ_CHECK(!error.empty());
  std::vector<node_agent::SupervisordProcess> processes;
  std::vector<std::string> skipped;
  node_agent::ParseSupervisordProcesses(data, processes, skipped, error);
}
