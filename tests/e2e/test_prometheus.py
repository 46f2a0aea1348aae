"""A real Prometheus server scrapes the agent on loopback and ingests every sample."""
import json
import shutil
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

from common import start_agent, start_prometheus

PROMETHEUS = shutil.which('prometheus')


@unittest.skipUnless(PROMETHEUS, 'prometheus is not installed')
class PrometheusScrapeTest(unittest.TestCase):
    def setUp(self):
        self.agent, self.agent_port = start_agent()
        self.dir = tempfile.mkdtemp(prefix='e2e-prom-')
        self.prom, self.prom_port = start_prometheus(f"""
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:{self.agent_port}']
""", self.dir)

    def tearDown(self):
        self.prom.stop()
        self.agent.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def query(self, expr):
        url = f'http://127.0.0.1:{self.prom_port}/api/v1/query?' + urllib.parse.urlencode({'query': expr})
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.load(r)['data']['result']

    def wait_for(self, expr, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = self.query(expr)
            if result:
                return result
            time.sleep(0.5)
        self.fail(f'{expr} returned nothing within {timeout}s; agent log:\n{self.agent.output()}')

    def test_scraped_healthy_and_ingested(self):
        up = self.wait_for('up{job="node"} == 1')
        self.assertEqual(up[0]['metric']['instance'], f'127.0.0.1:{self.agent_port}')
        samples = self.wait_for('scrape_samples_scraped{job="node"} > 0')
        count = float(samples[0]['value'][1])
        self.assertGreater(count, 10)
        # The collectors the agent runs on every host report success.
        for collector in ('cpu', 'diskstats', 'netclass', 'netdev'):
            self.wait_for(f'node_scrape_collector_success{{job="node",collector="{collector}"}} == 1')
        self.wait_for('node_cpu_seconds_total{job="node",mode="idle"} > 0')
        self.wait_for('process_resident_memory_bytes{job="node"} > 0')


if __name__ == '__main__':
    unittest.main()
