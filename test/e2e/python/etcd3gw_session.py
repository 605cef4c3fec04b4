"""One session of Debian's python3-etcd3gw (2.0.0, etcd's JSON gateway) against HOST:PORT,
printed as one JSON object.

The same session runs against edgecd and against a real etcd 3.4; the test compares the two
outputs. What is printed is what the library hands its caller (and, for raw `transaction` and
`post` answers, the gateway's JSON), less what legitimately differs between two clusters: IDs,
Raft terms and indexes and database sizes become '<id>', a header keeps only its revision, revisions
become offsets from the revision the session started at, and keys and values are decoded from
base64.

Run with Debian's interpreter: /usr/bin/python3 etcd3gw_session.py HOST PORT MEMBER_URLS
(MEMBER_URLS: the cluster's advertised client URLs, comma-separated, to check `members()`).
"""
import base64
import json
import sys
import threading
import time

from etcd3gw import exceptions
from etcd3gw.client import Etcd3Client
from etcd3gw.lease import Lease
from etcd3gw.utils import _encode, _increment_last_byte

host, port = sys.argv[1], int(sys.argv[2])
member_urls = sorted(u for u in sys.argv[3].split(',') if u)

# etcd3gw 2.0.0 defaults to api_path='/v3alpha/', which etcd 3.4 no longer serves (3.4 has
# /v3/ and, rewritten to it, /v3beta/); its module-level client() cannot pass api_path at all.
client = Etcd3Client(host=host, port=port, api_path='/v3/')
out = {}
base = int(client.status()['header']['revision'])

# Fields whose values differ between two clusters doing the same thing.
VARYING_FIELDS = {'ID', 'id', 'member_id', 'cluster_id', 'leader', 'lease', 'raft_term', 'raftTerm',
             'raftIndex', 'raftAppliedIndex', 'dbSize', 'dbSizeInUse'}
REVISION_FIELDS = {'revision', 'create_revision', 'mod_revision', 'compact_revision'}


def rel(revision):
    return int(revision) - base


def text(value):
    return value.decode('latin-1') if isinstance(value, (bytes, bytearray)) else value


def norm(value, decoded=False):
    """A gateway answer with varying fields hidden, revisions relative and base64 keys/values
    decoded (`decoded`: etcd3gw already decoded them)."""
    if isinstance(value, list):
        return [norm(v, decoded) for v in value]
    if not isinstance(value, dict):
        return text(value)
    result = {}
    for k, v in value.items():
        if k in VARYING_FIELDS:
            result[k] = '<id>'
        elif k in REVISION_FIELDS:
            result[k] = rel(v)
        elif k in ('key', 'value', 'range_end') and isinstance(v, str) and not decoded:
            result[k] = text(base64.b64decode(v))
        elif k == 'header':
            result[k] = {'revision': rel(v['revision'])} if 'revision' in v else {}
        else:
            result[k] = norm(v, decoded)
    return result


def meta(m):
    return norm(m, decoded=True)


def error(call):
    """What etcd3gw raises: its class, the HTTP reason, and the body (JSON when it parses)."""
    try:
        call()
    except exceptions.Etcd3Exception as e:
        try:
            detail = json.loads(e.detail_text)
        except (TypeError, ValueError):
            detail = e.detail_text
        return [type(e).__name__, list(e.args), detail]
    return 'no error'


def collect(events_iterator, cancel, want, writes, settle=0.3, timeout=8):
    """Reads events on a thread while `writes` runs, until `want` arrived or `timeout`, then
    cancels. Returns the events and whether the iterator ended after cancel()."""
    seen = []

    def consume():
        for event in events_iterator:
            seen.append(event)

    reader = threading.Thread(target=consume, daemon=True)
    reader.start()
    time.sleep(settle)
    writes()
    deadline = time.time() + timeout
    while len(seen) < want and time.time() < deadline:
        time.sleep(0.02)
    cancel()
    reader.join(5)
    return seen, not reader.is_alive()


def event(e):
    kv = e['kv']
    return [e.get('type', 'PUT'), text(kv['key']), text(kv.get('value', b'')), rel(kv['mod_revision']),
            int(kv.get('version', 0))] + ([text(e['prev_kv']['value'])] if 'prev_kv' in e else [])


# --- the API path: which prefixes the gateway serves --------------------------------------------
out['api-path-v3alpha'] = error(lambda: Etcd3Client(host=host, port=port).get('k'))
out['api-path-v3beta'] = Etcd3Client(host=host, port=port, api_path='/v3beta/').get('nothing')

# --- keys and values ------------------------------------------------------------------------------
out['put'] = [client.put('/gw/a', 'one'), client.put('/gw/b', 2001), client.put('/gw/c', b'bytes\xff')]
out['get'] = [client.get('/gw/a'), client.get('/gw/b'), client.get('/gw/c')]
out['get-metadata'] = [[text(v), meta(m)] for v, m in client.get('/gw/a', metadata=True)]
out['get-missing'] = client.get('/gw/none')
client.post(client.get_url('/kv/put'), json={'key': _encode('/gw/novalue')})
out['get-no-value'] = [[text(v), meta(m)] for v, m in client.get('/gw/novalue', metadata=True)]
out['put-again'] = [client.put('/gw/a', 'two'), [[text(v), meta(m)] for v, m in client.get('/gw/a', metadata=True)]]
out['delete'] = client.delete('/gw/b')
out['delete-missing'] = client.delete('/gw/b')
out['get-deleted'] = client.get('/gw/b')
# get_all() ranges from the key 'AA==' (it base64-encodes _encode(b'\0') once more) to the end:
# '/gw/...' sorts below it, 'gw-all' above.
client.put('gw-all', 'x')
out['get_all'] = sorted(text(m['key']) for _, m in client.get_all())

for k, v in zip('aebdc', 'qwert'):
    client.put('/gw/sort/' + k, v)
client.put('/gw/sort/e', 'w2')
client.put('/gw/sort/e', 'w3')
client.put('/gw/sort/d', 'd2')
sorts = {}
for order in ('ascend', 'descend'):
    for target in (None, 'key', 'version', 'create', 'mod', 'value'):
        sorts['%s/%s' % (order, target)] = [text(m['key'])[len('/gw/sort/'):]
                                             for _, m in client.get_prefix('/gw/sort/', sort_order=order, sort_target=target)]
sorts['none'] = [text(m['key'])[len('/gw/sort/'):] for _, m in client.get_prefix('/gw/sort/')]
out['get_prefix-sorted'] = sorts
out['get_prefix'] = [[text(v), meta(m)] for v, m in client.get_prefix('/gw/sort/')]
out['range-limit'] = norm(client.post(client.get_url('/kv/range'), json={
    'key': _encode('/gw/sort/'), 'range_end': _encode(_increment_last_byte('/gw/sort/')), 'limit': 2}))
out['range-count-only'] = norm(client.post(client.get_url('/kv/range'), json={
    'key': _encode('/gw/sort/'), 'range_end': _encode(_increment_last_byte('/gw/sort/')), 'count_only': True}))
out['range-keys-only'] = norm(client.post(client.get_url('/kv/range'), json={
    'key': _encode('/gw/sort/'), 'range_end': _encode(_increment_last_byte('/gw/sort/')), 'keys_only': True}))
out['range-at-revision'] = client.get('/gw/a', revision=base + 1)
out['deleterange-prev-kv'] = norm(client.post(client.get_url('/kv/deleterange'), json={
    'key': _encode('/gw/sort/d'), 'prev_kv': True}))
out['delete_prefix'] = [client.delete_prefix('/gw/sort/'), client.get_prefix('/gw/sort/'), client.delete_prefix('/gw/sort/')]

# --- create / replace (etcd3gw's txn-based calls) and a raw txn ------------------------------------
out['create'] = [client.create('/gw/new', 'first'), client.create('/gw/new', 'second'), client.get('/gw/new')]
out['replace'] = [client.replace('/gw/new', 'first', 'third'), client.replace('/gw/new', 'first', 'fourth'),
                  client.get('/gw/new')]
client.put('/gw/t', 'before')
out['txn'] = norm(client.transaction({
    'compare': [{'key': _encode('/gw/new'), 'result': 'EQUAL', 'target': 'VALUE', 'value': _encode('nope')}],
    'success': [{'request_put': {'key': _encode('/gw/t'), 'value': _encode('yes')}}],
    'failure': [{'request_range': {'key': _encode('/gw/new')}},
                {'request_put': {'key': _encode('/gw/t'), 'value': _encode('no'), 'prev_kv': True}},
                {'request_delete_range': {'key': _encode('/gw/none')}}],
}))
out['txn-compare-kinds'] = norm(client.transaction({
    'compare': [{'key': _encode('/gw/new'), 'result': 'GREATER', 'target': 'VERSION', 'version': 1},
                {'key': _encode('/gw/new'), 'result': 'LESS', 'target': 'MOD', 'mod_revision': base + 1000},
                {'key': _encode('/gw/new'), 'result': 'NOT_EQUAL', 'target': 'CREATE', 'create_revision': '0'}],
    'success': [{'request_range': {'key': _encode('/gw/t')}}],
    'failure': [],
}))

# --- status and members ---------------------------------------------------------------------------
status = client.status()
members = client.members()
out['status'] = {'fields': sorted(status), 'header': sorted(status['header']), 'version': status['version'],
                 'leader-is-a-member': status['leader'] in [m['ID'] for m in members],
                 'member-is-a-member': status['header']['member_id'] in [m['ID'] for m in members]}
out['members'] = {'count': len(members), 'fields': sorted(sorted(m) for m in members),
                  'clientURLs': sorted(u for m in members for u in m['clientURLs']) == member_urls,
                  'names': len({m['name'] for m in members})}

# --- leases -----------------------------------------------------------------------------------------
lease = client.lease(ttl=60)
out['lease'] = {'id-is-int': isinstance(lease.id, int) and lease.id > 0, 'ttl': 58 <= lease.ttl() <= 60,
                'keys-empty': lease.keys()}
client.put('/gw/leased/1', 'x', lease=lease)
client.put('/gw/leased/2', 'y', lease=lease)
out['lease-keys'] = sorted(text(k) for k in lease.keys())
out['lease-metadata'] = [meta(m).get('lease') for _, m in client.get('/gw/leased/1', metadata=True)]
out['lease-refresh'] = lease.refresh()
out['lease-create'] = [client.create('/gw/leased/3', 'z', lease=lease), sorted(text(k) for k in lease.keys())]
out['lease-revoke'] = [lease.revoke(), client.get_prefix('/gw/leased/'), lease.ttl(), lease.keys(), lease.refresh()]
out['lease-revoke-again'] = error(lease.revoke)
short = client.lease(ttl=1)  # etcd raises a TTL below its minimum (2 s by default) to the minimum
client.put('/gw/short', 'gone soon', lease=short)
deadline = time.time() + 8
while client.get('/gw/short') and time.time() < deadline:
    time.sleep(0.1)
out['lease-expired'] = [client.get('/gw/short'), short.ttl(), short.refresh()]
out['lease-unknown'] = [Lease(12345, client=client).ttl(), Lease(12345, client=client).refresh()]
out['put-unknown-lease'] = error(lambda: client.put('/gw/l', 'v', lease=Lease(12345, client=client)))

# --- watch, watch_prefix, cancel ---------------------------------------------------------------------
def single_writes():
    client.put('/gw/w', '1')
    client.put('/gw/w', '2')
    client.put('/gw/w-other', 'not watched')
    client.delete('/gw/w')


events, ended = collect(*client.watch('/gw/w'), 3, single_writes)
out['watch'] = [[event(e) for e in events], ended]
client.put('/gw/w', 'after cancel')

def prefix_writes():
    client.put('/gw/wp/a', '1')
    client.put('/gw/wp/b', '2')
    client.put('/gw/wq', 'outside')
    client.delete_prefix('/gw/wp/')


events, ended = collect(*client.watch_prefix('/gw/wp/'), 4, prefix_writes)
out['watch_prefix'] = [[event(e) for e in events], ended]

history_from = int(client.get('/gw/w', metadata=True)[0][1]['mod_revision'])
events, ended = collect(*client.watch('/gw/w', start_revision=history_from - 4, prev_kv=True), 4, lambda: None)
out['watch-history-prev_kv'] = [[event(e) for e in events], ended]
events, ended = collect(*client.watch_prefix('/gw/wf/', filters=['NODELETE']), 2, lambda: (
    client.put('/gw/wf/a', '1'), client.delete('/gw/wf/a'), client.put('/gw/wf/a', '2')))
out['watch-filter-nodelete'] = [[event(e) for e in events], ended]
out['watch_once-timeout'] = error(lambda: client.watch_once('/gw/never', timeout=1))
# The put comes a second after watch_prefix_once starts; its POST returns once the watch exists.
threading.Timer(1.0, lambda: client.put('/gw/once/k', 'v')).start()
out['watch_prefix_once'] = event(client.watch_prefix_once('/gw/once/', timeout=5))

# --- locks ---------------------------------------------------------------------------------------------
lock = client.lock('gw-lock', ttl=60)
other = Etcd3Client(host=host, port=port, api_path='/v3/').lock('gw-lock', ttl=60)
out['lock'] = {
    'acquire': lock.acquire(),
    'is_acquired': lock.is_acquired(),
    'value-is-uuid': client.get(lock.key) == [lock.uuid.encode('latin-1')],
    'refresh': lock.refresh(),
    'contended-acquire': other.acquire(),
    'contended-is_acquired': other.is_acquired(),
    'release': lock.release(),
    'released-is_acquired': lock.is_acquired(),
    'release-again': lock.release(),
    'second-acquire': other.acquire(),
    'second-is_acquired': other.is_acquired(),
    'first-is_acquired': lock.is_acquired(),
    'second-release': other.release(),
}
with client.lock('gw-ctx', ttl=60) as held:
    out['lock-context'] = [held.is_acquired(), held.acquire()]
out['lock-context-after'] = held.is_acquired()
expiring = client.lock('gw-expiring', ttl=2)
taker = client.lock('gw-expiring', ttl=60)
out['lock-expiry'] = [expiring.acquire(), taker.acquire()]
deadline = time.time() + 8
while not taker.acquire() and time.time() < deadline:
    time.sleep(0.2)
out['lock-expiry'] += [taker.is_acquired(), expiring.is_acquired(), expiring.release(), taker.release()]

# --- errors: class, HTTP reason and body as etcd3gw sees them ------------------------------------------
out['error-empty-key'] = error(lambda: client.put('', 'v'))
out['error-duplicate-key-txn'] = error(lambda: client.transaction({'compare': [], 'success': [
    {'request_put': {'key': _encode('/gw/d'), 'value': _encode('1')}},
    {'request_put': {'key': _encode('/gw/d'), 'value': _encode('2')}}]}))
out['error-future-revision'] = error(lambda: client.get('/gw/a', revision=base + 100000))
out['error-malformed-json'] = error(lambda: client.post(client.get_url('/kv/put'), data='garbage'))
out['error-unknown-route'] = error(lambda: client.post(client.get_url('/kv/nope'), json={}))
compact_at = int(client.status()['header']['revision'])
out['compaction'] = norm(client.post(client.get_url('/kv/compaction'), json={'revision': compact_at, 'physical': True}))
out['error-compacted'] = error(lambda: client.get('/gw/a', revision=compact_at - 1))
out['error-compact-again'] = error(lambda: client.post(client.get_url('/kv/compaction'), json={'revision': compact_at}))

# bytes (what etcd3gw returns for values) print as latin-1 text.
print(json.dumps(out, indent=1, sort_keys=True, default=text))
