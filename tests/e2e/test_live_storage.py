"""On this machine, live: node-agent and the reference prometheus-node-exporter
(Debian's, 1.5.0) started with the storage collectors both have (xfs, nfs,
nfsd, mountstats, mdadm, drbd) report the same success for each and the same
series, types and values for every family both export.

A machine without XFS mounts, NFS, md arrays or DRBD (this one, usually)
still checks each collector's outcome on that machine: success with no
series (xfs, mountstats) or node_exporter's ErrNoData (nfs, nfsd, mdadm,
drbd). swap and nvmesubsystem are not in 1.5.0; their unit tests use recorded
kernel data."""
import re
import unittest

from common import (NODE_EXPORTER, collector_flags, compare_families, presence_problems,
                    report_compared, scrape_side_by_side, shared_families)

COLLECTORS = ['xfs', 'nfs', 'nfsd', 'mountstats', 'mdadm', 'drbd']
FAMILIES = re.compile(r'^node_(xfs|nfsd?|mountstats|md|drbd)_')

# Counters of NFS traffic and mount ages move between scrapes on a busy NFS
# client; the rest of these families is stable.
VOLATILE = re.compile(r'^node_(mountstats_nfs_(age_seconds_total|transport_idle_time_seconds)|md_blocks_synced)$')


@unittest.skipUnless(NODE_EXPORTER, 'prometheus-node-exporter is not installed')
class LiveStorageComparisonTest(unittest.TestCase):
    def test_same_outcome_and_series_as_node_exporter(self):
        a1, n, a2 = scrape_side_by_side(collector_flags(COLLECTORS))
        success = 'node_scrape_collector_success'
        for c in COLLECTORS:
            key = (success, (('collector', c),))
            self.assertIn(key, n[success]['samples'], c)
            self.assertEqual(a1[success]['samples'].get(key), n[success]['samples'][key], c)
        shared = shared_families(a1, n, compared=FAMILIES)
        # 1.12 added the mount point info metric.
        problems = presence_problems(a1, n, compared=FAMILIES,
                                     agent_only_ok=lambda fam: fam == 'node_mountstats_nfs_mountpoint_info')
        problems += compare_families(a1, n, a2, compared=FAMILIES, volatile=VOLATILE)
        report_compared(shared)
        self.assertEqual(problems, [], '\n'.join(problems[:50]))


if __name__ == '__main__':
    unittest.main()
