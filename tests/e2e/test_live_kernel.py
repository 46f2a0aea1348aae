"""On this machine, live: node-agent and the reference prometheus-node-exporter
(Debian's, 1.5.0) started with the same kernel collectors (timex, interrupts,
schedstat, processes) export the same series, with the same types and values,
for every family both export. softirqs and cpu_vulnerabilities are not in
1.5.0; infiniband has no device here.

Counters are compared by bracketing (see test_live_sysproc.py). Values that
go up and down (the clock's offset and error estimates, process counts) are
checked for presence and type only; the timex values that are stable on a
running system (tick, status flags, loop constant, TAI offset, sync status,
PPS counters) are compared exactly.
"""
import os
import re
import unittest

from common import (NODE_EXPORTER, collector_flags, compare_families, presence_problems,
                    report_compared, scrape_side_by_side, shared_families)

COLLECTORS = ['timex', 'interrupts', 'schedstat', 'processes']

VOLATILE = re.compile(r'^node_(timex_(offset_seconds|frequency_adjustment_ratio|maxerror_seconds'
                      r'|estimated_error_seconds)$|processes_)')

VARYING_SERIES = re.compile(r'^node_processes_state$')


@unittest.skipUnless(NODE_EXPORTER, 'prometheus-node-exporter is not installed')
class LiveKernelComparisonTest(unittest.TestCase):
    def test_same_series_as_node_exporter(self):
        a1, n, a2 = scrape_side_by_side(collector_flags(COLLECTORS))
        shared = shared_families(a1, n)
        expected = ['node_timex_tick_seconds', 'node_timex_status', 'node_timex_sync_status',
                    'node_interrupts_total', 'node_processes_pids', 'node_scrape_collector_success']
        # Some kernels (and sandboxes) have no /proc/schedstat: both then report failure.
        if os.path.exists('/proc/schedstat'):
            expected.append('node_schedstat_running_seconds_total')
        for fam in expected:
            self.assertIn(fam, shared)
        problems = presence_problems(a1, n)
        problems += compare_families(a1, n, a2, volatile=VOLATILE, varying_series=VARYING_SERIES)
        # Which states have a process in them is a matter of the instant (the
        # scraping thread itself is R only while it reads): both sides must use
        # the kernel's state letters, not the same ones.
        for side in (a1, n):
            for key in side['node_processes_state']['samples']:
                self.assertRegex(dict(key[1])['state'], r'^[RSDZTtWXxKPI]$', key)
        for key, value in n['node_scrape_collector_success']['samples'].items():
            self.assertEqual(a1['node_scrape_collector_success']['samples'].get(key), value, key)
        report_compared(shared)
        self.assertEqual(problems, [], '\n'.join(problems[:50]))


if __name__ == '__main__':
    unittest.main()
