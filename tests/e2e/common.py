"""Shared helpers for the end-to-end tests: start real processes on loopback,
scrape them with real HTTP clients, parse the exposition."""
import http.client
import os
import re
import socket
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AGENT = os.environ.get('NODE_AGENT_BINARY', os.path.join(ROOT, 'build', 'node-agent'))
SHARED = os.path.join(os.path.dirname(ROOT), 'shared')

SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)\s*$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Process:
    """A child process with its output in a temp file, killed at exit."""

    def __init__(self, argv, env=None):
        self.log = tempfile.NamedTemporaryFile(prefix='e2e-', suffix='.log', delete=False)
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def output(self):
        with open(self.log.name, encoding='utf-8', errors='replace') as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.unlink(self.log.name)
        return self.proc.returncode


def wait_http(port, path='/metrics', host='127.0.0.1', timeout=10.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.proc.poll() is not None:
            raise RuntimeError('process exited early:\n' + proc.output())
        try:
            conn = http.client.HTTPConnection(host, port, timeout=2)
            conn.request('GET', path)
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f'nothing served on {host}:{port}{path} within {timeout}s')


def start_agent(*args, port=None):
    port = port or free_port()
    argv = [AGENT, f'--web.listen-address=127.0.0.1:{port}'] + list(args)
    p = Process(argv)
    wait_http(port, proc=p)
    return p, port


def get(port, path='/metrics', method='GET', headers=None, host='127.0.0.1'):
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request(method, path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


def parse(text):
    """{family_or_sample_name: {'type': t, 'samples': {(name, labels): value}}} keyed by family."""
    types, samples = {}, []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith('#'):
            parts = line.split(None, 3)
            if len(parts) >= 4 and parts[1] == 'TYPE':
                types[parts[2]] = parts[3].strip()
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            raise ValueError('not a sample line: %r' % line)
        labels = tuple(sorted(LABEL_RE.findall(m.group(2) or '')))
        samples.append((m.group(1), labels, float(m.group(3))))
    fams = {}
    for name, labels, value in samples:
        fam = name
        if fam not in types:
            for suffix in ('_total', '_bucket', '_sum', '_count'):
                if name.endswith(suffix) and name[:-len(suffix)] in types:
                    fam = name[:-len(suffix)]
        fams.setdefault(fam, {'type': types.get(fam), 'samples': {}})['samples'][(name, labels)] = value
    return fams
