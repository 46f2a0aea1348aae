"""On this machine, live: node-agent and the reference prometheus-node-exporter
(Debian's, 1.5.0) started with the same /proc-and-OS collectors (meminfo,
loadavg, stat, pressure, vmstat, filefd, entropy, os, uname, time) export the
same series, with the same types and values, for every family both export.

Values are compared by bracketing: the agent is scraped before and after
node_exporter, so a counter that moves between scrapes must have
node_exporter's value between the agent's two values (with a small slack).
Gauges that go up and down on a busy host are only checked for presence.

Where 1.5.0 and 1.12 differ, node-agent follows 1.12:
- meminfo: 1.12 exports only the fields prometheus/procfs's Meminfo struct
  knows (MEMINFO_1_12 below); 1.5.0 exported every line, so families such as
  node_memory_Hugetlb_bytes or node_memory_KReclaimable_bytes are 1.5.0 only.
- pressure: 1.12 adds node_pressure_irq_stalled_seconds_total.
- os: 1.12 adds node_os_support_end_timestamp_seconds (when SUPPORT_END is set).
"""
import re
import unittest

from common import (NODE_EXPORTER, collector_flags, compare_families, presence_problems,
                    report_compared, scrape_side_by_side, shared_families)

COLLECTORS = ['meminfo', 'loadavg', 'stat', 'pressure', 'vmstat', 'filefd', 'entropy', 'os', 'uname', 'time']
EXTRA_FLAGS = ['--collector.stat.softirq']

# Gauges that legitimately go up and down between scrapes: presence and type only.
VOLATILE = re.compile(r'^node_(memory_(?!(MemTotal|SwapTotal|VmallocTotal|Hugepagesize)_bytes$|HugePages_Total$)'
                      r'|load(1|5|15)$|procs_(running|blocked)$|filefd_allocated$|entropy_available_bits$)')

# The node_memory_* families node_exporter 1.12's meminfo_linux.go can export.
MEMINFO_1_12 = {'node_memory_' + f for f in (
    'Active_bytes Active_anon_bytes Active_file_bytes AnonHugePages_bytes AnonPages_bytes Bounce_bytes '
    'Buffers_bytes Cached_bytes CmaFree_bytes CmaTotal_bytes CommitLimit_bytes Committed_AS_bytes '
    'DirectMap1G_bytes DirectMap2M_bytes DirectMap4k_bytes Dirty_bytes HardwareCorrupted_bytes '
    'Hugepagesize_bytes Inactive_bytes Inactive_anon_bytes Inactive_file_bytes KernelStack_bytes '
    'Mapped_bytes MemAvailable_bytes MemFree_bytes MemTotal_bytes Mlocked_bytes NFS_Unstable_bytes '
    'PageTables_bytes Percpu_bytes SReclaimable_bytes SUnreclaim_bytes Shmem_bytes ShmemHugePages_bytes '
    'ShmemPmdMapped_bytes Slab_bytes SwapCached_bytes SwapFree_bytes SwapTotal_bytes Unevictable_bytes '
    'VmallocChunk_bytes VmallocTotal_bytes VmallocUsed_bytes Writeback_bytes WritebackTmp_bytes '
    'Zswap_bytes Zswapped_bytes HugePages_Free HugePages_Rsvd HugePages_Surp HugePages_Total').split()}


def only_in_1_5(fam):
    """Only the meminfo fields 1.12 no longer exports may be missing."""
    return fam.startswith('node_memory_') and fam not in MEMINFO_1_12


def any_family(fam):
    """1.12's additions (see above) may be exported by the agent alone."""
    return True


@unittest.skipUnless(NODE_EXPORTER, 'prometheus-node-exporter is not installed')
class LiveSysprocComparisonTest(unittest.TestCase):
    def test_same_series_as_node_exporter(self):
        a1, n, a2 = scrape_side_by_side(collector_flags(COLLECTORS, *EXTRA_FLAGS))

        shared = shared_families(a1, n)
        for fam in ('node_memory_MemTotal_bytes', 'node_load1', 'node_boot_time_seconds',
                    'node_softirqs_total', 'node_vmstat_pgfault', 'node_filefd_maximum',
                    'node_entropy_available_bits', 'node_os_info', 'node_uname_info',
                    'node_time_seconds', 'node_scrape_collector_success'):
            self.assertIn(fam, shared)
        problems = presence_problems(a1, n, agent_only_ok=any_family, ne_only_ok=only_in_1_5)
        problems += compare_families(a1, n, a2, volatile=VOLATILE, slack={r'node_time_seconds$': 1e-3})
        for key, value in n['node_scrape_collector_success']['samples'].items():
            if value == 1:
                self.assertEqual(a1['node_scrape_collector_success']['samples'].get(key), 1, key)
        report_compared(shared)
        self.assertEqual(problems, [], '\n'.join(problems[:50]))


if __name__ == '__main__':
    unittest.main()
