"""On this machine, live: node-agent and the reference prometheus-node-exporter
(Debian's) started with the netstat, sockstat and ethtool collectors export the
same series, with the same types and values, for every family both export.

Values are bracketed: the agent is scraped before and after node_exporter, so
a counter or gauge that moves between scrapes must have node_exporter's value
between the agent's two values (with a small slack).

Families node-agent exports and the reference does not are expected where
node_exporter 1.12 differs from the installed version (1.5.0): netstat's
TcpExt_TCPOFOQueue and TcpExt_TCPRcvQDrop joined the default field regex after
1.5.0. ethtool runs with --collector.ethtool.metrics-include='.*' on both, as
node-agent's default keeps only the ENA allowance and error counters."""
import re
import unittest

from common import (NODE_EXPORTER, collector_flags, compare_families, presence_problems,
                    report_compared, scrape_side_by_side, shared_families)

COLLECTORS = ['netstat', 'sockstat', 'ethtool']
EXTRA_FLAGS = ['--collector.ethtool.metrics-include=.*']

# The families these collectors own: each must be exported by both sides.
OWN = re.compile(r'^node_(netstat|sockstat|ethtool|network)_')
# Socket counts go up and down between scrapes, so bracketing does not hold
# for them; they only have to exist with the same labels.
VOLATILE = re.compile(r'^node_sockstat_|^node_netstat_Tcp_CurrEstab$')
NEWER_THAN_REFERENCE = {'node_netstat_TcpExt_TCPOFOQueue', 'node_netstat_TcpExt_TCPRcvQDrop'}


@unittest.skipUnless(NODE_EXPORTER, 'prometheus-node-exporter is not installed')
class LiveSysnetComparisonTest(unittest.TestCase):
    def test_same_series_as_node_exporter(self):
        a1, n, a2 = scrape_side_by_side(collector_flags(COLLECTORS, *EXTRA_FLAGS))

        shared = shared_families(a1, n)
        for fam in ('node_netstat_Tcp_InSegs', 'node_sockstat_sockets_used', 'node_scrape_collector_success'):
            self.assertIn(fam, shared)
        problems = presence_problems(a1, n, compared=OWN, agent_only_ok=NEWER_THAN_REFERENCE)
        problems += compare_families(a1, n, a2, volatile=VOLATILE)
        success = a1['node_scrape_collector_success']['samples']
        for c in COLLECTORS:
            self.assertEqual(success.get(('node_scrape_collector_success', (('collector', c),))), 1.0, c)
        report_compared(shared)
        self.assertEqual(problems, [], '\n'.join(problems[:50]))


if __name__ == '__main__':
    unittest.main()
