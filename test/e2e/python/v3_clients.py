"""Debian's v3 gateway clients, unchanged, through one endpoint: OpenStack's etcd3gw and
Patroni's etcd3 DCS. Prints a transcript of what each saw (no IDs, revisions as deltas from the
first write), for the e2e test to compare between real etcd and edgecd.

Usage: v3_clients.py PORT
"""
import json
import sys
import threading
import time

from etcd3gw.client import Etcd3Client
from patroni.dcs.etcd3 import Etcd3

PORT = int(sys.argv[1])
out = []


def say(*parts):
    out.append(' '.join(str(p) for p in parts))


# ---- etcd3gw 2.0 (api_path must name the 3.4 gateway: its default is /v3alpha/) ----
client = Etcd3Client(host='127.0.0.1', port=PORT, api_path='/v3/')
base = int(client.status()['header']['revision'])
rel = lambda revision: int(revision) - base
say('status version', client.status()['version'])
say('members', len(client.members()))
say('put', client.put('gw/a', 'one'))
say('create existing', client.create('gw/a', 'two'))
say('create new', client.create('gw/b', 'two'))
say('get', client.get('gw/a'))
value, meta = client.get('gw/a', metadata=True)[0]
say('get metadata', value, rel(meta['mod_revision']), meta['version'])
say('prefix', sorted(v for v, _ in client.get_prefix('gw/')))
say('replace wrong', client.replace('gw/a', 'nope', 'x'))
say('replace right', client.replace('gw/a', 'one', 'uno'))
lease = client.lease(ttl=60)
say('lease ttl', lease.ttl() > 0, 'refresh', lease.refresh() > 0)
say('put with lease', client.put('gw/leased', 'v', lease=lease))
say('lease keys', lease.keys())
say('revoke', lease.revoke())
say('leased after revoke', client.get('gw/leased'))
lock = client.lock(id='gw-lock', ttl=60)
say('lock', lock.acquire(), 'is_acquired', lock.is_acquired())
say('second lock', client.lock(id='gw-lock', ttl=60).acquire())
say('release', lock.release())
events = []
done = threading.Event()


def on_event(event):
    events.append((event.get('type', 'PUT'), event['kv']['key'], event['kv'].get('value')))
    if len(events) == 2:
        done.set()


events_iter, cancel = client.watch('gw/w')
watched = []
reader = threading.Thread(target=lambda: [watched.append((e.get('type', 'PUT'), e['kv']['key'], e['kv'].get('value'))) for e in events_iter], daemon=True)
reader.start()
time.sleep(0.5)
client.put('gw/w', 'w1')
client.delete('gw/w')
time.sleep(0.5)
cancel()
say('watched', watched)
say('delete absent', client.delete('gw/absent'))
say('delete prefix', client.delete_prefix('gw/'))

# ---- Patroni 3.0's etcd3 DCS ----
dcs = Etcd3({'host': '127.0.0.1:%d' % PORT, 'scope': 'batman', 'namespace': '/service/', 'name': 'pg1',
             'ttl': 30, 'retry_timeout': 10, 'loop_wait': 10})
say('patroni initialize', dcs.initialize(create_new=True, sysid='6789'))
say('patroni initialize again', dcs.initialize(create_new=True, sysid='6789'))
say('patroni touch member', dcs.touch_member({'state': 'running', 'role': 'primary'}))
say('patroni acquire leader', dcs.attempt_to_acquire_leader())
cluster = dcs.get_cluster()
say('patroni cluster', cluster.initialize, cluster.leader and cluster.leader.name, sorted(m.name for m in cluster.members))
say('patroni set config', dcs.set_config_value(json.dumps({'ttl': 30})))
say('patroni delete leader', dcs.delete_leader())
cluster = dcs.get_cluster()
say('patroni cluster after', cluster.leader, sorted(m.name for m in cluster.members), cluster.config and cluster.config.data)
say('patroni cancel initialization', dcs.cancel_initialization())
say('patroni delete cluster', dcs.delete_cluster())

print('\n'.join(out))
sys.stdout.flush()
