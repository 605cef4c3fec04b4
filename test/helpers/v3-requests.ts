import { seededChoices, type Pick } from './random-requests.ts';

/**
 * v3 gateway requests for the differential harness (test/e2e/v3-differential.test.ts): a script
 * through every call, option and error of etcd 3.4's gateway, and seeded random requests over a
 * small key space. A body may depend on the side it is sent to: revisions are drawn relative to
 * the side's base revision (so both sides get the same condition), and a value one side's
 * answer gave (a member ID) is substituted per side.
 */

export interface Side {
  /** The store's revision when the run began. */
  base: number;
  /** Values captured from earlier answers of this side. */
  captured: Record<string, string>;
}

export interface V3Request {
  name: string;
  method?: string;
  path: string;
  body?: string | ((side: Side) => string);
  headers?: Record<string, string>;
  /** A streamed answer: read lines until it ends or is quiet for this long (ms). */
  stream?: number;
  /** Send these as WebSocket messages instead (then read messages until quiet). */
  websocket?: string[];
  /** Remember values of the answer (e.g. a new member's ID) for later bodies. */
  capture?: (answer: unknown) => Record<string, string>;
}

export const b64 = (text: string): string => Buffer.from(text, 'latin1').toString('base64');
const json = (value: unknown): string => JSON.stringify(value);
const rev = (n: number) => (side: Side): string => String(side.base + n);

/** Leases granted with these IDs, so both sides name them alike. */
export const LEASES = ['1001', '1002', '1003'];

/** The scripted part: every route, option and error, in an order that builds the state it reads. */
export function scriptedRequests(): V3Request[] {
  const r: V3Request[] = [];
  const post = (name: string, path: string, body?: V3Request['body'], extra: Partial<V3Request> = {}): void => {
    r.push({ name, path, ...(body === undefined ? {} : { body }), ...extra });
  };
  // KV
  post('put a key', '/v3/kv/put', json({ key: b64('foo'), value: b64('bar') }));
  post('put with prev_kv', '/v3/kv/put', json({ key: b64('foo'), value: b64('baz'), prev_kv: true }));
  post('put binary key and value', '/v3/kv/put', json({ key: b64('\u0000\u00ff/x'), value: b64('<>&\u0001') }));
  post('put under a prefix', '/v3/kv/put', json({ key: b64('dir/a'), value: b64('1') }));
  post('put under a prefix again', '/v3/kv/put', json({ key: b64('dir/b'), value: b64('2') }));
  post('put ignore_value without a key', '/v3/kv/put', json({ key: b64('nothing'), ignore_value: true }));
  post('put ignore_value with a value', '/v3/kv/put', json({ key: b64('foo'), value: b64('x'), ignore_value: true }));
  post('put ignore_lease with a lease', '/v3/kv/put', json({ key: b64('foo'), lease: '5', ignore_lease: true }));
  post('put with an unknown lease', '/v3/kv/put', json({ key: b64('foo'), lease: '5' }));
  post('put without a key', '/v3/kv/put', json({ value: b64('v') }));
  // etcd weighs a request's protobuf size: 1.4 MB of control bytes is taken (their JSON escapes
  // are not counted), 1.6 MB is past --max-request-bytes, 2 MiB past the gRPC server's limit.
  post('put 1.4 MB of binary bytes', '/v3/kv/put', json({ key: b64('large'), value: b64('\u0007'.repeat(1_400_000)) }));
  post('delete the binary value', '/v3/kv/deleterange', json({ key: b64('large') }));
  post('put past --max-request-bytes', '/v3/kv/put', json({ key: b64('large'), value: b64('x'.repeat(1_600_000)) }));
  post("put past the gRPC server's receive limit", '/v3/kv/put', json({ key: b64('large'), value: b64('x'.repeat(2 * 1024 * 1024)) }));
  post('range one key', '/v3/kv/range', json({ key: b64('foo') }));
  post('range a prefix', '/v3/kv/range', json({ key: b64('dir/'), range_end: b64('dir0') }));
  post('range everything', '/v3/kv/range', json({ key: 'AA==', range_end: 'AA==' }));
  post('range from a key on', '/v3/kv/range', json({ key: b64('dir/b'), range_end: 'AA==' }));
  post('range with a limit', '/v3/kv/range', json({ key: 'AA==', range_end: 'AA==', limit: '2' }));
  post('range sorted by value, descending', '/v3/kv/range', json({ key: 'AA==', range_end: 'AA==', sort_order: 'DESCEND', sort_target: 'VALUE' }));
  post('range sorted by create revision', '/v3/kv/range', json({ key: 'AA==', range_end: 'AA==', sort_target: 'CREATE' }));
  post('range keys only', '/v3/kv/range', json({ key: 'AA==', range_end: 'AA==', keys_only: true }));
  post('range count only', '/v3/kv/range', json({ key: 'AA==', range_end: 'AA==', count_only: true }));
  post('range serializable', '/v3/kv/range', json({ key: b64('foo'), serializable: true }));
  post('range at an old revision', '/v3/kv/range', (s) => json({ key: b64('foo'), revision: rev(1)(s) }));
  post('range at a future revision', '/v3/kv/range', (s) => json({ key: b64('foo'), revision: rev(1000)(s) }));
  post('range by mod revision bounds', '/v3/kv/range', (s) => json({ key: 'AA==', range_end: 'AA==', min_mod_revision: rev(3)(s), max_mod_revision: rev(4)(s) }));
  post('range by create revision bounds', '/v3/kv/range', (s) => json({ key: 'AA==', range_end: 'AA==', min_create_revision: rev(2)(s) }));
  post('range without a key', '/v3/kv/range', '{}');
  post('range an absent key', '/v3/kv/range', json({ key: b64('absent') }));
  post('delete with prev_kv', '/v3/kv/deleterange', json({ key: b64('dir/a'), prev_kv: true }));
  post('delete a range', '/v3/kv/deleterange', json({ key: b64('dir/'), range_end: b64('dir0') }));
  post('delete an absent key', '/v3/kv/deleterange', json({ key: b64('absent') }));
  post('delete without a key', '/v3/kv/deleterange', '{}');
  post('txn that succeeds', '/v3/kv/txn', (s) =>
    json({
      compare: [{ key: b64('foo'), result: 'GREATER', target: 'MOD', mod_revision: rev(0)(s) }],
      success: [{ request_put: { key: b64('t1'), value: b64('v'), prev_kv: true } }, { request_range: { key: b64('foo') } }, { request_delete_range: { key: b64('absent') } }],
      failure: [{ request_range: { key: b64('t1') } }],
    }),
  );
  post('txn that fails', '/v3/kv/txn', json({ compare: [{ key: b64('foo'), target: 'VALUE', value: b64('nope') }], success: [{ request_put: { key: b64('t2') } }], failure: [{ request_range: { key: b64('t1') } }] }));
  post('txn nested', '/v3/kv/txn', json({ success: [{ request_txn: { compare: [{ key: b64('t1'), version: '1' }], success: [{ request_range: { key: b64('t1') } }, { request_txn: {} }] } }] }));
  post('txn with a duplicate key', '/v3/kv/txn', json({ success: [{ request_put: { key: b64('d') } }, { request_put: { key: b64('d') } }] }));
  post('txn with a put overlapping a delete', '/v3/kv/txn', json({ success: [{ request_delete_range: { key: 'AA==', range_end: 'AA==' } }, { request_put: { key: b64('d') } }] }));
  post('txn with an empty op', '/v3/kv/txn', json({ success: [{}] }));
  post('txn with an empty compare key', '/v3/kv/txn', json({ compare: [{}], success: [{}] }));
  post('txn with too many ops', '/v3/kv/txn', json({ success: Array.from({ length: 129 }, (_, i) => ({ request_range: { key: b64(`k${i}`) } })) }));
  post('txn comparing a range of keys', '/v3/kv/txn', json({ compare: [{ key: 'AA==', range_end: 'AA==', result: 'GREATER', target: 'VERSION', version: '0' }], success: [{ request_range: { key: b64('t1'), count_only: true } }] }));
  post('txn comparing an absent key by value', '/v3/kv/txn', json({ compare: [{ key: b64('absent'), target: 'VALUE', value: '' }] }));
  post('empty txn', '/v3/kv/txn', '{}');
  // leases
  for (const id of LEASES) post(`grant lease ${id}`, '/v3/lease/grant', json({ TTL: '300', ID: id }));
  post('grant an existing lease', '/v3/lease/grant', json({ TTL: '300', ID: LEASES[0] }));
  post('grant a lease with a too large TTL', '/v3/lease/grant', json({ TTL: '9000000001' }));
  post('put with a lease', '/v3/kv/put', json({ key: b64('leased'), value: b64('v'), lease: LEASES[0] }));
  post('put keeping the lease', '/v3/kv/put', json({ key: b64('leased'), value: b64('w'), ignore_lease: true }));
  post('time to live with keys', '/v3/lease/timetolive', json({ ID: LEASES[0], keys: true }));
  post('time to live of an unknown lease', '/v3/lease/timetolive', json({ ID: '5' }));
  post('time to live at the alias', '/v3/kv/lease/timetolive', json({ ID: LEASES[1] }));
  post('leases', '/v3/lease/leases', '{}');
  post('leases at the alias', '/v3/kv/lease/leases', '{}');
  post('keep alive', '/v3/lease/keepalive', json({ ID: LEASES[1] }) + json({ ID: '5' }), { stream: 300 });
  post('keep alive with an empty body', '/v3/lease/keepalive', '', { stream: 300 });
  post('keep alive with a bad body', '/v3/lease/keepalive', '{"ID":x}');
  post('revoke a lease', '/v3/lease/revoke', json({ ID: LEASES[2] }));
  post('revoke it again', '/v3/kv/lease/revoke', json({ ID: LEASES[2] }));
  // watch
  post('watch from history with prev_kv', '/v3/watch', (s) => json({ create_request: { key: 'AA==', range_end: 'AA==', start_revision: rev(1)(s), prev_kv: true } }), { stream: 400 });
  post('watch several and cancel', '/v3/watch', json({ create_request: { key: b64('foo'), watch_id: '7' } }) + json({ create_request: { key: b64('foo'), watch_id: '7' } }) + json({ progress_request: {} }) + json({ cancel_request: { watch_id: '7' } }) + json({ cancel_request: { watch_id: '99' } }), { stream: 300 });
  post('watch filtered', '/v3/watch', (s) => json({ create_request: { key: 'AA==', range_end: 'AA==', start_revision: rev(1)(s), filters: ['NOPUT'] } }), { stream: 300 });
  post('watch with a bad first message', '/v3/watch', '{"create_request":{"key":1}}');
  post('watch with a bad later message', '/v3/watch', json({ create_request: { key: b64('foo') } }) + '{"x":', { stream: 300 });
  post('watch over a websocket', '/v3/watch', undefined, { websocket: [json({ create_request: { key: b64('foo'), watch_id: '3' } }), json({ progress_request: {} }), json({ cancel_request: { watch_id: '3' } })], stream: 300 });
  post('range over a websocket', '/v3/kv/range', undefined, { websocket: [json({ key: b64('foo') }), json({ key: b64('t1') })], stream: 300 });
  post('an unknown route over a websocket', '/v3/nothing', undefined, { websocket: ['{}'], stream: 300 });
  // lock and election (uncontended, on the script's leases)
  post('lock', '/v3/lock/lock', json({ name: b64('lk'), lease: LEASES[0] }));
  post('lock again by the same session', '/v3/lock/lock', json({ name: b64('lk'), lease: LEASES[0] }));
  post('lock on an unknown lease', '/v3/lock/lock', json({ name: b64('lk2'), lease: '5' }));
  post('unlock', '/v3/lock/unlock', json({ key: b64(`lk/${Number(LEASES[0]).toString(16)}`) }));
  post('campaign', '/v3/election/campaign', json({ name: b64('el'), lease: LEASES[0], value: b64('v1') }));
  post('campaign again with another value', '/v3/election/campaign', json({ name: b64('el'), lease: LEASES[0], value: b64('v2') }));
  post('leader', '/v3/election/leader', json({ name: b64('el') }));
  post('observe', '/v3/election/observe', json({ name: b64('el') }), { stream: 300 });
  post('proclaim as a stale leader', '/v3/election/proclaim', json({ leader: { name: b64('el'), key: b64(`el/${Number(LEASES[0]).toString(16)}`), rev: '1', lease: LEASES[0] }, value: b64('x') }));
  post('proclaim without a leader', '/v3/election/proclaim', '{}');
  post('resign without a leader', '/v3/election/resign', '{}');
  post('leader of an empty election', '/v3/election/leader', json({ name: b64('none') }));
  // cluster
  post('member list', '/v3/cluster/member/list', '{}');
  post('add a learner', '/v3/cluster/member/add', json({ peerURLs: ['http://127.0.0.1:9'], isLearner: true }), {
    capture: (answer) => ({ learner: String((answer as { member?: { ID?: string } }).member?.ID ?? '') }),
  });
  // Not "the same peer URL again": etcd answers "member ID already exist" within the second of
  // the first add (the ID hashes the time in seconds) and "Peer URLs already exists" after it.
  post('add a member with a bad URL', '/v3/cluster/member/add', json({ peerURLs: ['not a url'] }));
  post('promote the learner (not in sync)', '/v3/cluster/member/promote', (s) => json({ ID: s.captured.learner }));
  post('update the learner', '/v3/cluster/member/update', (s) => json({ ID: s.captured.learner, peerURLs: ['http://127.0.0.1:10'] }));
  post('remove the learner', '/v3/cluster/member/remove', (s) => json({ ID: s.captured.learner }));
  post('remove it again', '/v3/cluster/member/remove', (s) => json({ ID: s.captured.learner }));
  post('promote an unknown member', '/v3/cluster/member/promote', json({ ID: '1' }));
  // maintenance
  post('status', '/v3/maintenance/status', '{}');
  post('alarm list', '/v3/maintenance/alarm', '{}');
  post('alarm activate', '/v3/maintenance/alarm', json({ action: 'ACTIVATE', memberID: '1', alarm: 'CORRUPT' }));
  post('alarm get', '/v3/maintenance/alarm', json({ action: 'GET' }));
  post('alarm deactivate', '/v3/maintenance/alarm', json({ action: 'DEACTIVATE', memberID: '1', alarm: 'CORRUPT' }));
  post('defragment', '/v3/maintenance/defragment', '{}');
  post('hash', '/v3/maintenance/hash', '{}');
  post('move leadership to an unknown member', '/v3/maintenance/transfer-leadership', json({ targetID: '1' }));
  // auth, disabled
  for (const [path, body] of [
    ['/v3/auth/user/list', '{}'],
    ['/v3/auth/role/list', '{}'],
    ['/v3/auth/user/get', json({ name: 'x' })],
    ['/v3/auth/role/get', json({ role: 'root' })],
    ['/v3/auth/authenticate', json({ name: 'x', password: 'y' })],
    ['/v3/auth/enable', '{}'],
    ['/v3/auth/disable', '{}'],
    ['/v3/auth/user/delete', json({ name: 'x' })],
    ['/v3/auth/user/changepw', json({ name: 'x', password: 'p' })],
    ['/v3/auth/user/grant', json({ user: 'x', role: 'r' })],
    ['/v3/auth/user/revoke', json({ name: 'x', role: 'r' })],
    ['/v3/auth/user/add', json({ name: '' })],
    ['/v3/auth/role/add', json({ name: '' })],
    ['/v3/auth/role/delete', json({ role: 'x' })],
    ['/v3/auth/role/grant', json({ name: 'x', perm: { permType: 'READ', key: b64('k') } })],
    ['/v3/auth/role/revoke', json({ role: 'x', key: b64('k') })],
  ] as const) {
    post(`auth ${path}`, path, body);
  }
  // compaction, then what it changes
  post('compact', '/v3/kv/compaction', (s) => json({ revision: rev(3)(s) }));
  post('compact again, lower', '/v3/kv/compaction', (s) => json({ revision: rev(2)(s) }));
  post('compact in the future', '/v3/kv/compaction', (s) => json({ revision: rev(1000)(s) }));
  post('range at a compacted revision', '/v3/kv/range', (s) => json({ key: b64('foo'), revision: rev(2)(s) }));
  post('watch from a compacted revision', '/v3/watch', (s) => json({ create_request: { key: b64('foo'), start_revision: rev(1)(s) } }), { stream: 300 });
  // the mux: paths, methods, names, headers
  post('an unknown path', '/v3/kv/nothing', '{}');
  post('the gateway root', '/v3/', '{}');
  post('a verb', '/v3/kv/range:get', '{}');
  post('a trailing slash', '/v3/kv/range/', '{}');
  post('an escaped path', '/v3/kv/%72ange', json({ key: b64('foo') }));
  post('the v3beta prefix', '/v3beta/kv/range', json({ key: b64('foo') }));
  post('the v3beta prefix alone', '/v3beta', '{}');
  post('the v3alpha prefix', '/v3alpha/kv/range', json({ key: b64('foo') }));
  r.push({ name: 'GET a route', method: 'GET', path: '/v3/kv/range' });
  r.push({ name: 'PUT a route', method: 'PUT', path: '/v3/kv/put', body: json({ key: b64('foo') }) });
  r.push({ name: 'HEAD a route', method: 'HEAD', path: '/v3/watch' });
  r.push({ name: 'GET /v3', method: 'GET', path: '/v3' });
  r.push({ name: 'POST /v3 with a query', method: 'POST', path: '/v3?x=1' });
  r.push({ name: 'OPTIONS', method: 'OPTIONS', path: '/v3/kv/range' });
  post('a bad Grpc-Timeout', '/v3/kv/range', json({ key: b64('foo') }), { headers: { 'Grpc-Timeout': '5x' } });
  post('a Grpc-Timeout', '/v3/kv/range', json({ key: b64('foo') }), { headers: { 'Grpc-Timeout': '10S' } });
  post('a bad binary metadata header', '/v3/kv/range', json({ key: b64('foo') }), { headers: { 'Grpc-Metadata-Foo-Bin': '!!' } });
  post('a method override to GET', '/v3/kv/range', json({ key: b64('foo') }), { headers: { 'X-HTTP-Method-Override': 'GET', 'Content-Type': 'application/x-www-form-urlencoded' } });
  post('a method override to POST eats the body', '/v3/kv/range', json({ key: b64('foo') }), { headers: { 'X-HTTP-Method-Override': 'post', 'Content-Type': 'application/x-www-form-urlencoded' } });
  post('a form body', '/v3/kv/range', 'key=Zm9v', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  return r;
}

const KEYS = ['a', 'b', 'a/x', 'a/y', 'c\u0000', '\u00ff', 'dir/1'];
const VALUES = ['', 'v', 'w', '<&>', '\u0000\u00ff'];

/** `n` seeded random requests over a few keys: every KV option, leases, watches from history, and malformed bodies. */
export function randomRequests(seed: number, n: number): V3Request[] {
  const { pick, chance } = seededChoices(seed);
  const out: V3Request[] = [];
  for (let i = 0; i < n; i++) out.push(randomRequest(pick, chance, i));
  return out;
}

function randomRequest(pick: Pick, chance: (p: number) => boolean, i: number): V3Request {
  const key = (): string => b64(pick(KEYS));
  const range = (): Record<string, unknown> => {
    const body: Record<string, unknown> = { key: key() };
    if (chance(0.4)) body.range_end = pick(['AA==', b64('b'), b64('a0'), '']);
    if (chance(0.2)) body.limit = pick(['1', 2, '0', -1]);
    if (chance(0.2)) body.sort_order = pick(['NONE', 'ASCEND', 'DESCEND', 1]);
    if (chance(0.2)) body.sort_target = pick(['KEY', 'VERSION', 'CREATE', 'MOD', 'VALUE']);
    for (const flag of ['keys_only', 'count_only', 'serializable']) if (chance(0.1)) body[flag] = true;
    return body;
  };
  const put = (): Record<string, unknown> => {
    const body: Record<string, unknown> = { key: key(), value: b64(pick(VALUES)) };
    if (chance(0.3)) body.prev_kv = true;
    if (chance(0.15)) body.lease = pick([...LEASES.slice(0, 2), '0', '77']);
    if (chance(0.05)) body.ignore_value = true;
    if (chance(0.05)) body.ignore_lease = true;
    return body;
  };
  const del = (): Record<string, unknown> => ({ key: key(), ...(chance(0.4) ? { range_end: pick(['AA==', b64('b')]) } : {}), ...(chance(0.4) ? { prev_kv: true } : {}) });
  const name = `random ${i}`;
  const kind = pick(['range', 'range', 'put', 'put', 'put', 'delete', 'txn', 'txn', 'lease', 'watch', 'malformed']);
  switch (kind) {
    case 'range':
      return { name, path: '/v3/kv/range', body: JSON.stringify(range()) };
    case 'put':
      return { name, path: '/v3/kv/put', body: JSON.stringify(put()) };
    case 'delete':
      return { name, path: '/v3/kv/deleterange', body: JSON.stringify(del()) };
    case 'txn': {
      const op = (): Record<string, unknown> => pick([{ request_range: range() }, { request_put: put() }, { request_delete_range: del() }]);
      const target = pick(['VERSION', 'CREATE', 'MOD', 'VALUE', 'LEASE'] as const);
      const union: Record<string, unknown> = {
        VERSION: { version: pick(['0', '1', '2']) },
        CREATE: { create_revision: '0' },
        MOD: { mod_revision: '0' },
        VALUE: { value: b64(pick(VALUES)) },
        LEASE: { lease: pick(['0', ...LEASES.slice(0, 2)]) },
      }[target] as Record<string, unknown>;
      const compare = { key: key(), result: pick(['EQUAL', 'GREATER', 'LESS', 'NOT_EQUAL']), target, ...union };
      return { name, path: '/v3/kv/txn', body: JSON.stringify({ compare: chance(0.8) ? [compare] : [], success: [op()], failure: chance(0.5) ? [op()] : [] }) };
    }
    case 'lease':
      return pick([
        { name, path: '/v3/lease/timetolive', body: JSON.stringify({ ID: pick([...LEASES, '9']), keys: chance(0.5) }) },
        { name, path: '/v3/lease/leases', body: '{}' },
        { name, path: '/v3/lease/keepalive', body: JSON.stringify({ ID: pick([...LEASES.slice(0, 2), '9']) }), stream: 200 },
      ]);
    case 'watch': {
      // Drawn now: a body function runs once per side and must not draw again.
      const create = { key: key(), range_end: pick(['', 'AA==']), prev_kv: chance(0.5) };
      return {
        name,
        path: '/v3/watch',
        // No progress request with it: etcd answers one at once, but sends history (or the
        // cancel of a compacted start) from its sync loop, so their order is a race in etcd.
        body: (s: Side) => JSON.stringify({ create_request: { ...create, start_revision: String(s.base + 1) } }),
        stream: 250,
      };
    }
    default:
      return {
        name,
        path: pick(['/v3/kv/range', '/v3/kv/put', '/v3/kv/txn', '/v3/lease/timetolive']),
        body: pick(['', 'null', '[]', '{"key":"Zm9"}', '{"key":1}', '{"limit":"x"}', '{"sort_order":"UP"}', '{"key":"YQ==","lease":"1.5"}', '{"ID":"-"}', '{"key":"YQ=="} x', '{"a":']),
      };
  }
}

const REVISIONS = new Set(['revision', 'create_revision', 'mod_revision', 'compact_revision', 'rev']);
const OPAQUE = new Set(['cluster_id', 'member_id', 'raft_term', 'leader', 'dbSize', 'dbSizeInUse', 'raftIndex', 'raftTerm', 'raftAppliedIndex', 'hash', 'token']);
/** Peer URLs the script itself chooses (the members' own URLs differ by nature). */
const SCRIPT_URLS = new Set(['http://127.0.0.1:9', 'http://127.0.0.1:10']);

/**
 * An answer as the harness compares it: what legitimately differs between two clusters replaced
 * (IDs, names and URLs of members, Raft positions, sizes, hashes, remaining TTLs, tokens), and
 * revisions at or above the side's base written as deltas (`base+3`).
 */
export function normalise(value: unknown, base: number, inMember = false): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v, base, inMember));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (REVISIONS.has(k) && typeof v === 'string') out[k] = Number(v) >= base ? `base+${Number(v) - base}` : v;
    else if (OPAQUE.has(k) && (typeof v === 'string' || typeof v === 'number')) out[k] = '<opaque>';
    else if (k === 'TTL' && typeof v === 'string' && Number(v) > 0) out[k] = '<positive>';
    else if (inMember && k === 'ID') out[k] = '<id>';
    else if (inMember && k === 'name') out[k] = v === '' ? '' : '<name>';
    else if (inMember && (k === 'peerURLs' || k === 'clientURLs') && Array.isArray(v)) out[k] = v.map((url) => (SCRIPT_URLS.has(url as string) ? url : '<url>'));
    // Members are listed in ID order, and IDs are random: their order is not comparable.
    else if (k === 'members' && Array.isArray(v)) out[k] = v.map((member) => normalise(member, base, true)).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    // A lease's keys (LeaseTimeToLive with keys): etcd walks a Go map for them, in random order.
    else if (k === 'keys' && Array.isArray(v) && v.every((key) => typeof key === 'string')) out[k] = [...v].sort();
    else out[k] = normalise(v, base, inMember || k === 'member');
  }
  return out;
}
