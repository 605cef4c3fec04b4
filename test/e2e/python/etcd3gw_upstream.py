"""python3-etcd3gw 2.0.0's own functional tests (etcd3gw/tests/test_etcd3gw.py), run unchanged
against an external endpoint: ETCD_HOST:ETCD_PORT.

The upstream module is written for an etcd on 127.0.0.1:2379 that serves etcd3gw's default
api_path '/v3alpha/' (etcd 3.2's). Two things point it elsewhere, without editing a test body:
- Etcd3Client's default arguments become our host, port and '/v3/' (what etcd 3.4 serves), so the
  module's `Etcd3Client()` in setUpClass talks to the endpoint under test;
- while the module is imported, urllib3's probe of '127.0.0.1:2379' (its `_is_etcd3_running`,
  evaluated by each test's skipUnless decorator) is sent to our endpoint instead.
A test skipped counts as a failure here: every one of them must have run.

Needs Debian's python3-oslotest (the module's base class) besides python3-etcd3gw.
Run with Debian's interpreter: ETCD_PORT=... /usr/bin/python3 etcd3gw_upstream.py
"""
import importlib
import os
import sys
import unittest

import urllib3

from etcd3gw.client import Etcd3Client

HOST = os.environ.get('ETCD_HOST', '127.0.0.1')
PORT = int(os.environ['ETCD_PORT'])
UPSTREAM_DEFAULT = '127.0.0.1:2379'

# Etcd3Client(host, port, protocol, ca_cert, cert_key, cert_cert, timeout, api_path)
Etcd3Client.__init__.__defaults__ = (HOST, PORT, 'http', None, None, None, None, '/v3/')

probe = urllib3.PoolManager.request


def redirected_probe(self, method, url, *args, **kwargs):
    if url == UPSTREAM_DEFAULT:
        url = 'http://%s:%d/' % (HOST, PORT)
    return probe(self, method, url, *args, **kwargs)


urllib3.PoolManager.request = redirected_probe
try:
    upstream = importlib.import_module('etcd3gw.tests.test_etcd3gw')
finally:
    urllib3.PoolManager.request = probe

suite = unittest.defaultTestLoader.loadTestsFromModule(upstream)
result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
if result.skipped:
    print('SKIPPED (must run): %s' % ', '.join(test.id() for test, _ in result.skipped))
sys.exit(0 if result.wasSuccessful() and not result.skipped and result.testsRun > 0 else 1)
