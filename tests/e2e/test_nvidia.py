"""The nvidia collector end to end: build/node-agent with the fake libnvidia-ml.so.1
(tests/fake_nvml/), scraped over HTTP on loopback."""
import os
import tempfile
import unittest

from common import ROOT, get, parse, start_agent

FAKE = os.path.join(ROOT, 'build', 'fake_nvml', 'libnvidia-ml.so.1')
CONFIG = """driver 580.159.04
gpu
uuid GPU-319ae366-9b29-1a13-770e-ac6ad1cd6b07
name NVIDIA H100 80GB HBM3
pci 00000000:00:06.0
temp 32
power_mw 112537
fb_total 85520809984
fb_free 85017493504
fb_used 0
gpu
uuid GPU-lost
lost 1
"""


class NvidiaTest(unittest.TestCase):
    def test_fake_gpus_over_http(self):
        self.assertTrue(os.path.exists(FAKE), FAKE + ' missing: build the unit tests first')
        with tempfile.NamedTemporaryFile('w', suffix='.conf') as conf:
            conf.write(CONFIG)
            conf.flush()
            os.environ['FAKE_NVML_CONFIG'] = conf.name
            try:
                agent, port = start_agent('--collector.disable-defaults', '--collector.nvidia',
                                          '--collector.nvidia.library=' + FAKE)
            finally:
                del os.environ['FAKE_NVML_CONFIG']
            try:
                resp, body = get(port)
                self.assertEqual(resp.status, 200)
                fams = parse(body.decode())
            finally:
                agent.stop()
        labels = tuple(sorted({'gpu': '0', 'UUID': 'GPU-319ae366-9b29-1a13-770e-ac6ad1cd6b07',
                               'pci_bus_id': '00000000:00:06.0', 'device': 'nvidia0',
                               'modelName': 'NVIDIA H100 80GB HBM3', 'Hostname': os.uname().nodename,
                               'DCGM_FI_DRIVER_VERSION': '580.159.04'}.items()))
        self.assertEqual(fams['DCGM_FI_DEV_GPU_TEMP']['samples'], {('DCGM_FI_DEV_GPU_TEMP', labels): 32.0})
        self.assertEqual(fams['DCGM_FI_DEV_POWER_USAGE']['samples'],
                         {('DCGM_FI_DEV_POWER_USAGE', labels): 112.537})
        self.assertEqual(fams['DCGM_FI_DEV_FB_FREE']['samples'], {('DCGM_FI_DEV_FB_FREE', labels): 81079.0})
        self.assertEqual(fams['DCGM_FI_DEV_GPU_TEMP']['type'], 'gauge')
        self.assertNotIn('DCGM_FI_DEV_MEMORY_TEMP', fams)  # not supported by the fake GPU
        # The lost GPU fails the collector for this scrape; GPU 0 is still served.
        success = fams['node_scrape_collector_success']['samples']
        self.assertEqual(success[('node_scrape_collector_success', (('collector', 'nvidia'),))], 0.0)


if __name__ == '__main__':
    unittest.main()
