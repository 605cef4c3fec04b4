import { afterAll, describe, expect, it } from 'vitest';
import { callControl } from '../../scripts/control.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';
import { checkRegister, type HistoryEntry, type RegisterOp } from '../helpers/linearizability.ts';

/**
 * The v3 API through faults: concurrent clients put, read (linearizable ranges) and
 * compare-and-set (txns) a few keys through the front door while the leader is reset and then
 * cut off from its peers; every key's history must be linearizable (a put or txn whose answer
 * the client did not get may have happened or not). Then the whole cluster is killed with
 * SIGKILL and started again on its data dir: every acknowledged write is there.
 */

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString();
const KEYS = ['lin/a', 'lin/b', 'lin/c'];
const CLIENTS = 4;

async function post(url: string, path: string, body: object): Promise<{ ok: boolean; json: Record<string, unknown> }> {
  const response = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { ok: response.ok, json };
}

/** One client: random operations on random keys until `stopAt`, each recorded with its call and return times. */
async function client(url: string, id: number, stopAt: number, history: Map<string, HistoryEntry[]>): Promise<void> {
  let n = 0;
  while (Date.now() < stopAt) {
    const key = KEYS[Math.floor(Math.random() * KEYS.length)]!;
    const value = `c${id}-${n++}`;
    const roll = Math.random();
    if (roll < 0.3) {
      const read = await readValue(url, key);
      if (read !== null) history.get(key)!.push(read);
      continue;
    }
    let op: RegisterOp = { kind: 'write', value };
    let path = '/v3/kv/put';
    let body: object = { key: b64(key), value: b64(value) };
    if (roll >= 0.65) {
      // Compare-and-set on the value a read just saw (or on absence).
      const seen = await readValue(url, key);
      if (seen === null) continue;
      history.get(key)!.push(seen);
      const expected = seen.op.kind === 'read' ? seen.op.value : undefined;
      const compare =
        expected === undefined
          ? { key: b64(key), target: 'CREATE', result: 'EQUAL', create_revision: '0' }
          : { key: b64(key), target: 'VALUE', result: 'EQUAL', value: b64(expected) };
      op = { kind: 'cas', expected, value, ok: true };
      path = '/v3/kv/txn';
      body = { compare: [compare], success: [{ request_put: { key: b64(key), value: b64(value) } }] };
    }
    const call = performance.now();
    const answer = await post(url, path, body).catch(() => undefined);
    if (answer === undefined || !answer.ok) {
      // No answer, or an error after which the write may still commit: the outcome is unknown.
      history.get(key)!.push({ op, call, ret: Infinity, unknown: true });
      continue;
    }
    if (op.kind === 'cas') op = { ...op, ok: answer.json.succeeded === true };
    history.get(key)!.push({ op, call, ret: performance.now() });
  }
}

/** A linearizable range of one key as a read; null when it got no answer (a failed read says nothing). */
async function readValue(url: string, key: string): Promise<HistoryEntry | null> {
  const call = performance.now();
  const answer = await post(url, '/v3/kv/range', { key: b64(key) }).catch(() => undefined);
  if (answer === undefined || !answer.ok) return null;
  const kvs = answer.json.kvs as { value?: string }[] | undefined;
  return { op: { kind: 'read', value: kvs === undefined ? undefined : unb64(kvs[0]?.value) }, call, ret: performance.now() };
}

describe('the v3 API through faults', () => {
  const clusters: LaunchedCluster[] = [];
  afterAll(async () => {
    for (const c of clusters) await c.destroy();
  });

  it('keeps puts, txns and linearizable ranges linearizable through a leader reset and a partition', async () => {
    const cluster = await launchCluster();
    clusters.push(cluster);
    const history = new Map(KEYS.map((k) => [k, [] as HistoryEntry[]]));
    const names = ['node1', 'node2', 'node3'];
    const leaderName = async (): Promise<string> => ((await (await fetch(`${cluster.url}/v2/members/leader`)).json()) as { name: string }).name;
    const setFaults = (name: string, plan: object) => callControl(cluster.dataDir, 'POST', `/members/${name}/faults`, JSON.stringify(plan));

    const stopAt = Date.now() + 7_000;
    const clients = Array.from({ length: CLIENTS }, (_, i) => client(cluster.url, i, stopAt, history));
    await new Promise((r) => setTimeout(r, 1_500));
    await callControl(cluster.dataDir, 'POST', `/members/${await leaderName()}/abort`);
    await new Promise((r) => setTimeout(r, 2_000));
    const cut = await leaderName();
    const rest = names.filter((n) => n !== cut);
    await setFaults(cut, { partitioned: rest });
    for (const n of rest) await setFaults(n, { partitioned: [cut] });
    await new Promise((r) => setTimeout(r, 2_000));
    for (const n of names) await setFaults(n, {});
    await Promise.all(clients);

    let operations = 0;
    for (const [key, entries] of history) {
      operations += entries.length;
      const result = checkRegister(entries);
      expect(result.linearizable, `${key}: not linearizable; longest linearizable prefix ${JSON.stringify(result.longest.slice(-5))}`).toBe(true);
    }
    const unknown = [...history.values()].flat().filter((e) => e.unknown === true).length;
    console.info(`v3 linearizability: ${operations} operations on ${KEYS.length} keys, ${unknown} with unknown outcomes, through a leader reset and a partition`);
    expect(operations).toBeGreaterThan(100);
  });

  it('loses no acknowledged v3 write when the whole cluster is killed with SIGKILL and started again', async () => {
    const first = await launchCluster();
    clusters.push(first);
    const acknowledged: { key: string; value: string; revision: number }[] = [];
    const lease = await post(first.url, '/v3/lease/grant', { TTL: '600' });
    for (let i = 0; i < 40; i++) {
      const key = `durable/k${i}`;
      const answer =
        i % 2 === 0
          ? await post(first.url, '/v3/kv/put', { key: b64(key), value: b64(`v${i}`), ...(i % 4 === 0 ? { lease: lease.json.ID } : {}) })
          : await post(first.url, '/v3/kv/txn', { success: [{ request_put: { key: b64(key), value: b64(`v${i}`) } }] });
      expect(answer.ok).toBe(true);
      acknowledged.push({ key, value: `v${i}`, revision: Number((answer.json.header as { revision: string }).revision) });
    }
    await first.kill();

    const second = await launchCluster({ dataDir: first.dataDir });
    clusters.push(second);
    const all = await post(second.url, '/v3/kv/range', { key: b64('durable/'), range_end: b64('durable0') });
    const kvs = (all.json.kvs as { key: string; value: string; mod_revision: string; lease?: string }[]).map((kv) => ({
      key: unb64(kv.key),
      value: unb64(kv.value),
      revision: Number(kv.mod_revision),
    }));
    expect(kvs.sort((a, b) => a.revision - b.revision)).toEqual(acknowledged);
    // The lease survived too, with its keys, and the revision goes on from where it was.
    const ttl = await post(second.url, '/v3/lease/timetolive', { ID: lease.json.ID, keys: true });
    expect((ttl.json.keys as string[]).length).toBe(10);
    const next = await post(second.url, '/v3/kv/put', { key: b64('durable/after'), value: b64('x') });
    expect(Number((next.json.header as { revision: string }).revision)).toBe(acknowledged.at(-1)!.revision + 1);
  });
});
