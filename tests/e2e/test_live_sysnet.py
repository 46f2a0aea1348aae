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
import os
import re
import shutil
import unittest

from common import Process, free_port, get, parse, start_agent, wait_http

NODE_EXPORTER = shutil.which('prometheus-node-exporter') or shutil.which('node_exporter')
COLLECTORS = ['netstat', 'sockstat', 'ethtool']
EXTRA_FLAGS = ['--collector.ethtool.metrics-include=.*']

NOT_COMPARED = re.compile(r'^(go_|process_|promhttp_|node_exporter_|node_agent_|'
                          r'node_scrape_collector_duration_seconds)')
# Socket counts go up and down between scrapes, so bracketing does not hold
# for them; they only have to exist with the same labels.
VOLATILE = re.compile(r'^node_sockstat_|^node_netstat_Tcp_CurrEstab$')
NEWER_THAN_REFERENCE = {'node_netstat_TcpExt_TCPOFOQueue', 'node_netstat_TcpExt_TCPRcvQDrop'}


def bracketed(a1, ne, a2, slack):
    lo, hi = min(a1, a2), max(a1, a2)
    eps = slack * max(abs(lo), abs(hi)) + 1e-9
    return lo - eps <= ne <= hi + eps


@unittest.skipUnless(NODE_EXPORTER, 'prometheus-node-exporter is not installed')
class LiveSysnetComparisonTest(unittest.TestCase):
    def test_same_series_as_node_exporter(self):
        flags = ['--collector.disable-defaults'] + [f'--collector.{c}' for c in COLLECTORS] + EXTRA_FLAGS
        agent, agent_port = start_agent(*flags)
        ne_port = free_port()
        ne = Process([NODE_EXPORTER, f'--web.listen-address=127.0.0.1:{ne_port}'] + flags)
        try:
            wait_http(ne_port, proc=ne, timeout=20)
            a1 = parse(get(agent_port)[1].decode())
            n = parse(get(ne_port)[1].decode())
            a2 = parse(get(agent_port)[1].decode())
        finally:
            ne.stop()
            agent.stop()

        shared = sorted(f for f in n if f in a1 and not NOT_COMPARED.match(f))
        for fam in ('node_netstat_Tcp_InSegs', 'node_sockstat_sockets_used', 'node_scrape_collector_success'):
            self.assertIn(fam, shared)
        problems = []
        for fam in sorted(set(n) - set(a1)):
            if fam.startswith(('node_netstat_', 'node_sockstat_', 'node_ethtool_', 'node_network_')):
                problems.append(f'{fam}: exported by node_exporter only')
        for fam in sorted(set(a1) - set(n)):
            if fam.startswith(('node_netstat_', 'node_sockstat_', 'node_ethtool_', 'node_network_')) \
                    and fam not in NEWER_THAN_REFERENCE:
                problems.append(f'{fam}: exported by node-agent only')
        for fam in shared:
            if a1[fam]['type'] != n[fam]['type']:
                problems.append(f'{fam}: type {a1[fam]["type"]} != node_exporter {n[fam]["type"]}')
                continue
            ns, s1, s2 = n[fam]['samples'], a1[fam]['samples'], a2[fam]['samples']
            for key in sorted(set(ns) - set(s1)):
                problems.append(f'{fam}: missing {key}')
            for key in sorted(set(s1) - set(ns)):
                problems.append(f'{fam}: extra {key}')
            if VOLATILE.match(fam):
                continue
            for key in sorted(set(ns) & set(s1) & set(s2)):
                if not bracketed(s1[key], ns[key], s2[key], 1e-6):
                    problems.append(f'{fam}: {key} agent {s1[key]}..{s2[key]} vs node_exporter {ns[key]}')
        success = a1['node_scrape_collector_success']['samples']
        for c in COLLECTORS:
            self.assertEqual(success.get(('node_scrape_collector_success', (('collector', c),))), 1.0, c)
        print(f'\ncompared {len(shared)} families with {os.path.basename(NODE_EXPORTER)}')
        self.assertEqual(problems, [], '\n'.join(problems[:50]))


if __name__ == '__main__':
    unittest.main()
