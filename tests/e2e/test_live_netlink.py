"""On this machine, live: node-agent and the reference prometheus-node-exporter
(Debian's, 1.5) started with the netlink collectors (tcpstat, network_route,
qdisc, wifi, and netclass in its netlink mode with statistics) export the
same series, with the same types and values, for every family both export.

Values are bracketed: the agent is scraped before and after node_exporter, so
a counter or gauge that moves between scrapes must have node_exporter's value
between the agent's two values (with a small slack). TCP socket counts go up
and down (the scrapes themselves open connections): checked for series only.

perf is not compared: it needs a PMU for its default profilers, which a VM
usually lacks (both then refuse to start)."""
import re
import unittest

from common import (NODE_EXPORTER, collector_flags, compare_families, presence_problems,
                    report_compared, scrape_side_by_side, shared_families)

VOLATILE = re.compile(r'^node_tcp_connection_states$')
# node_exporter 1.12's netlink mode reads these from sysfs and exports
# alternative names; 1.5 has neither.
NETCLASS_NEWER_THAN_REFERENCE = {'node_network_address_assign_type', 'node_network_device_id',
                                 'node_network_name_assign_type', 'node_network_altnames_info'}


def success(a, collector):
    return a['node_scrape_collector_success']['samples'].get(
        ('node_scrape_collector_success', (('collector', collector),)))


@unittest.skipUnless(NODE_EXPORTER, 'prometheus-node-exporter is not installed')
class LiveNetlinkComparisonTest(unittest.TestCase):
    def test_tcpstat_route_qdisc_wifi(self):
        collectors = ['tcpstat', 'network_route', 'qdisc', 'wifi']
        a1, n, a2 = scrape_side_by_side(collector_flags(collectors))
        own = re.compile(r'^node_(tcp_connection_states|network_route|qdisc_|wifi_)')
        shared = shared_families(a1, n, compared=own)
        self.assertIn('node_tcp_connection_states', shared)
        problems = presence_problems(a1, n, compared=own)
        problems += compare_families(a1, n, a2, compared=own, volatile=VOLATILE)
        for c in collectors:
            self.assertEqual(success(a1, c), success(n, c), c)
        self.assertEqual(success(a1, 'tcpstat'), 1.0)
        self.assertEqual(success(a1, 'network_route'), 1.0)
        report_compared(shared)
        self.assertEqual(problems, [], '\n'.join(problems[:50]))

    def test_netclass_netlink_mode(self):
        flags = collector_flags(['netclass'], '--collector.netclass.netlink',
                                '--collector.netclass_rtnl.with-stats')
        a1, n, a2 = scrape_side_by_side(flags)
        own = re.compile(r'^node_network_')
        shared = shared_families(a1, n, compared=own)
        self.assertIn('node_network_iface_id', shared)
        problems = presence_problems(a1, n, compared=own, agent_only_ok=NETCLASS_NEWER_THAN_REFERENCE)
        problems += compare_families(a1, n, a2, compared=own)
        self.assertEqual(success(a1, 'netclass'), 1.0)
        report_compared(shared)
        self.assertEqual(problems, [], '\n'.join(problems[:50]))


if __name__ == '__main__':
    unittest.main()
