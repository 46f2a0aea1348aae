"""On this machine, live: node-agent and the reference prometheus-node-exporter
(Debian's) started with the same collectors export the same series, with the
same types and values, for every family both versions export.

Values are compared by bracketing: the agent is scraped before and after
node_exporter, so a counter or gauge that moves between scrapes must have
node_exporter's value between the agent's two values (with a small slack)."""
import unittest

from common import (NODE_EXPORTER, collector_flags, compare_families, report_compared,
                    scrape_side_by_side, shared_families)

COLLECTORS = ['cpu', 'cpufreq', 'hwmon', 'thermal_zone', 'diskstats', 'nvme', 'netdev', 'netclass']

# Labels node_exporter added after Debian's 1.5.0; node-agent follows 1.12.
LABELS_SINCE_1_5 = {r'node_network_info$': {'adminstate'}, r'node_disk_info$': {'rotational'}}
# Defaults that changed upstream after 1.5.0 (diskstats now also skips zram)
# or that Debian patched (its netdev skips lo): both get 1.12's upstream
# defaults explicitly, so the comparison is of the collectors, not of defaults.
SAME_DEFAULTS = [r'--collector.diskstats.device-exclude=^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$',
                 '--collector.netdev.device-exclude=^$']
# Gauges that may legitimately jump between scrapes (hardware clocks): more slack.
VOLATILE = r'^node_cpu_(scaling_)?frequency_hertz$'


@unittest.skipUnless(NODE_EXPORTER, 'prometheus-node-exporter is not installed')
class LiveComparisonTest(unittest.TestCase):
    def test_same_series_as_node_exporter(self):
        a1, n, a2 = scrape_side_by_side(collector_flags(COLLECTORS, *SAME_DEFAULTS))

        shared = shared_families(a1, n)
        self.assertIn('node_cpu_seconds_total', shared)
        self.assertIn('node_scrape_collector_success', shared)
        problems = compare_families(a1, n, a2, ignore_labels=LABELS_SINCE_1_5, slack={VOLATILE: 0.5})
        report_compared(shared)
        self.assertEqual(problems, [], '\n'.join(problems[:50]))


if __name__ == '__main__':
    unittest.main()
