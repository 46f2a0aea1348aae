"""On this machine, live: node-agent and the reference prometheus-node-exporter
(Debian's, 1.5.0) started with the network /proc collectors both have (arp,
conntrack, softnet, udp_queues, bonding, ipvs, lnstat, sysctl) export the same
series, with the same types and values, for every family both export.

Values are bracketed: the agent is scraped before and after node_exporter, so
a counter that moves between scrapes must have node_exporter's value between
the agent's two values (with a small slack). Queue sizes, conntrack entries
and ARP entries go up and down: presence and labels only.

1.5.0 reads the ARP table from /proc/net/arp; node-agent, as node_exporter
1.12, dumps it over rtnetlink by default. Both list the same entries (NUD_NOARP
ones left out), so the families are compared as they are. xfrm and
kernel_hung are not in 1.5.0; node-agent's are checked for presence only, as
are the softnet families added after 1.5.0 (NEWER_THAN_REFERENCE).
Where this host has no bonding or IPVS, both sides report the collector
failed (ErrNoData) and export no series."""
import re
import unittest

from common import (NODE_EXPORTER, collector_flags, compare_families, get, parse, presence_problems,
                    report_compared, scrape_side_by_side, shared_families, start_agent)

COLLECTORS = ['arp', 'conntrack', 'softnet', 'udp_queues', 'bonding', 'ipvs', 'lnstat', 'sysctl']
EXTRA_FLAGS = ['--collector.sysctl.include=fs.file-nr', '--collector.sysctl.include=net.ipv4.ip_local_port_range:low,high',
               '--collector.sysctl.include=kernel.threads-max',
               '--collector.sysctl.include-info=kernel.seccomp.actions_avail']

OWN = re.compile(r'^node_(arp|nf_conntrack|softnet|udp_queues|bonding|ipvs|lnstat|sysctl)_')
VOLATILE = re.compile(r'^node_(arp_entries|nf_conntrack_entries|udp_queues|softnet_backlog_len|sysctl_fs_file_nr'
                      r'|lnstat_entries_total)')

NEWER_THAN_REFERENCE = {'node_softnet_backlog_len', 'node_softnet_cpu_collision_total',
                        'node_softnet_flow_limit_count_total', 'node_softnet_received_rps_total'}


@unittest.skipUnless(NODE_EXPORTER, 'prometheus-node-exporter is not installed')
class LiveNetprocComparisonTest(unittest.TestCase):
    def test_same_series_as_node_exporter(self):
        a1, n, a2 = scrape_side_by_side(collector_flags(COLLECTORS, *EXTRA_FLAGS))

        shared = shared_families(a1, n)
        for fam in ('node_softnet_processed_total', 'node_sysctl_kernel_threads_max', 'node_scrape_collector_success'):
            self.assertIn(fam, shared)
        problems = presence_problems(a1, n, compared=OWN, agent_only_ok=NEWER_THAN_REFERENCE)
        for fam in NEWER_THAN_REFERENCE:
            self.assertIn(fam, a1)
        problems += compare_families(a1, n, a2, volatile=VOLATILE)
        success_a = a1['node_scrape_collector_success']['samples']
        success_n = n['node_scrape_collector_success']['samples']
        for c in COLLECTORS:
            key = ('node_scrape_collector_success', (('collector', c),))
            self.assertEqual(success_a.get(key), success_n.get(key), c)
        report_compared(shared)
        self.assertEqual(problems, [], '\n'.join(problems[:50]))


class LiveNewerCollectorsTest(unittest.TestCase):
    def test_xfrm_and_kernel_hung(self):
        agent, port = start_agent(*collector_flags(['xfrm', 'kernel_hung']))
        try:
            a1 = parse(get(port)[1].decode())
        finally:
            agent.stop()
        success = a1['node_scrape_collector_success']['samples']
        for c, fam in (('xfrm', 'node_xfrm_in_error_packets_total'), ('kernel_hung', 'node_kernel_hung_tasks_total')):
            key = ('node_scrape_collector_success', (('collector', c),))
            if success.get(key) == 1.0:
                self.assertIn(fam, a1)
            else:
                self.assertNotIn(fam, a1)


if __name__ == '__main__':
    unittest.main()
