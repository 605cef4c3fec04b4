import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { etcdV3Api } from '../helpers/v3-etcd-api.ts';
import { startGatewayServer, type GatewayServer } from '../helpers/v3-gateway-server.ts';
import { b64, normalise } from '../helpers/v3-requests.ts';

/**
 * What takes time, side by side: etcd 3.4 itself, and edgecd's gateway (src/http/v3, served from
 * Node) in front of another etcd, run through the same scenarios: a lock that waits for its
 * holder, a waiter whose client leaves, an election handed over on resignation and followed by
 * Observe, live watch events on a POST stream and on a WebSocket. Each scenario writes a
 * transcript (answers with revisions as deltas, and whether an answer had come by each step);
 * the two transcripts must be the same.
 */

interface Target {
  url: string;
  base: number;
}

type Transcript = unknown[];

async function call(target: Target, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${target.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return normalise({ status: response.status, body: await response.json() }, target.base);
}

/** A request whose answer may take a while: `settled()` says whether it has come yet. */
function pending(target: Target, path: string, body: unknown): { settled(): boolean; answer: Promise<unknown>; abort(): void } {
  const controller = new AbortController();
  let done = false;
  const answer = fetch(`${target.url}${path}`, { method: 'POST', body: JSON.stringify(body), signal: controller.signal })
    .then(async (response) => normalise({ status: response.status, body: await response.json() }, target.base))
    .catch(() => 'aborted')
    .finally(() => (done = true));
  return { settled: () => done, answer, abort: () => controller.abort() };
}

/** A stream's lines as they come. */
function lines(target: Target, path: string, body: string): { seen: unknown[]; stop(): void } {
  const controller = new AbortController();
  const seen: unknown[] = [];
  void (async () => {
    const response = await fetch(`${target.url}${path}`, { method: 'POST', body, signal: controller.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      text += decoder.decode(chunk.value, { stream: true });
      const parts = text.split('\n');
      text = parts.pop()!;
      for (const line of parts) if (line !== '') seen.push(normalise(JSON.parse(line), target.base));
    }
  })().catch(() => undefined);
  return { seen, stop: () => controller.abort() };
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function lease(target: Target, id: string, ttl = '60'): Promise<void> {
  await call(target, '/v3/lease/grant', { ID: id, TTL: ttl });
}

const hex = (id: string): string => Number(id).toString(16);

const SCENARIOS: Record<string, (t: Target) => Promise<Transcript>> = {
  async 'a lock waits for its holder and is granted when the holder unlocks'(t) {
    const out: Transcript = [];
    await lease(t, '11');
    await lease(t, '12');
    out.push(await call(t, '/v3/lock/lock', { name: b64('L'), lease: '11' }));
    const second = pending(t, '/v3/lock/lock', { name: b64('L'), lease: '12' });
    await pause(400);
    out.push({ grantedBeforeUnlock: second.settled() });
    out.push(await call(t, '/v3/lock/unlock', { key: b64(`L/${hex('11')}`) }));
    out.push(await second.answer);
    out.push(await call(t, '/v3/kv/range', { key: b64('L/'), range_end: b64('L0') }));
    return out;
  },

  async 'a waiter whose client leaves takes its key away'(t) {
    const out: Transcript = [];
    await lease(t, '21');
    await lease(t, '22');
    out.push(await call(t, '/v3/lock/lock', { name: b64('M'), lease: '21' }));
    const waiter = pending(t, '/v3/lock/lock', { name: b64('M'), lease: '22' });
    await pause(300);
    out.push(await call(t, '/v3/kv/range', { key: b64('M/'), range_end: b64('M0'), keys_only: true }));
    waiter.abort();
    await waiter.answer;
    await pause(500);
    out.push(await call(t, '/v3/kv/range', { key: b64('M/'), range_end: b64('M0'), keys_only: true }));
    return out;
  },

  async 'a lock with no lease opens a 60 s session lease'(t) {
    const out: Transcript = [];
    const answer = (await call(t, '/v3/lock/lock', { name: b64('N') })) as { body: { key: string } };
    const key = Buffer.from(answer.body.key, 'base64').toString('latin1');
    const id = BigInt(`0x${key.slice(2)}`).toString();
    out.push({ prefix: key.slice(0, 2) });
    const ttl = (await call(t, '/v3/lease/timetolive', { ID: id })) as { body: { grantedTTL: string } };
    out.push({ granted: ttl.body.grantedTTL });
    return out;
  },

  async 'an election is handed over on resignation, and Observe follows it'(t) {
    const out: Transcript = [];
    await lease(t, '31');
    await lease(t, '32');
    const observer = lines(t, '/v3/election/observe', JSON.stringify({ name: b64('E') }));
    await pause(200);
    const first = (await call(t, '/v3/election/campaign', { name: b64('E'), lease: '31', value: b64('one') })) as { body: { leader: unknown } };
    out.push(first);
    const second = pending(t, '/v3/election/campaign', { name: b64('E'), lease: '32', value: b64('two') });
    await pause(300);
    out.push({ secondLeadsBeforeResign: second.settled() });
    out.push(await call(t, '/v3/election/proclaim', { leader: denormalised(first.body.leader, t), value: b64('uno') }));
    out.push(await call(t, '/v3/election/resign', { leader: denormalised(first.body.leader, t) }));
    out.push(await second.answer);
    out.push(await call(t, '/v3/election/leader', { name: b64('E') }));
    await pause(400);
    observer.stop();
    out.push({ observed: observer.seen });
    return out;
  },

  async 'a POST watch streams live events'(t) {
    const out: Transcript = [];
    const watch = lines(t, '/v3/watch', JSON.stringify({ create_request: { key: b64('w'), range_end: b64('x'), prev_kv: true } }));
    await pause(200);
    await call(t, '/v3/kv/put', { key: b64('w1'), value: b64('a') });
    await call(t, '/v3/kv/put', { key: b64('w1'), value: b64('b') });
    await call(t, '/v3/kv/deleterange', { key: b64('w1') });
    await pause(300);
    watch.stop();
    out.push(watch.seen);
    return out;
  },

  async 'a WebSocket carries many watches, created and cancelled as the client goes'(t) {
    const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/v3/watch`);
    const seen: unknown[] = [];
    socket.on('message', (data: WebSocket.RawData) => seen.push(normalise(JSON.parse(data.toString()), t.base)));
    await new Promise((resolve) => socket.on('open', resolve));
    socket.send(JSON.stringify({ create_request: { key: b64('s1'), watch_id: '1' } }));
    socket.send(JSON.stringify({ create_request: { key: b64('s2'), watch_id: '2' } }));
    await pause(200);
    await call(t, '/v3/kv/put', { key: b64('s1'), value: b64('x') });
    await pause(100);
    socket.send(JSON.stringify({ cancel_request: { watch_id: '1' } }));
    await pause(200);
    await call(t, '/v3/kv/put', { key: b64('s1'), value: b64('y') });
    await call(t, '/v3/kv/put', { key: b64('s2'), value: b64('z') });
    socket.send(JSON.stringify({ progress_request: {} }));
    await pause(300);
    socket.terminate();
    return [seen];
  },
};

/** A normalised leader key back in wire form for this side (its revision delta resolved). */
function denormalised(leader: unknown, t: Target): unknown {
  const copy = { ...(leader as Record<string, string>) };
  if (typeof copy.rev === 'string' && copy.rev.startsWith('base+')) copy.rev = String(t.base + Number(copy.rev.slice(5)));
  return copy;
}

describe('waits and live streams: edgecd gateway over etcd against etcd', () => {
  let etcdA: RealEtcdCluster;
  let etcdB: RealEtcdCluster;
  let gateway: GatewayServer;

  beforeAll(async () => {
    [etcdA, etcdB] = await Promise.all([startRealEtcd(), startRealEtcd()]);
    gateway = await startGatewayServer(await etcdV3Api(etcdB.clientURLs[0]!));
  });

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([etcdA?.stop(), etcdB?.stop()]);
  });

  const targetOf = async (url: string): Promise<Target> => {
    const response = await fetch(`${url}/v3/kv/range`, { method: 'POST', body: '{"key":"AA=="}' });
    return { url, base: Number(((await response.json()) as { header: { revision: string } }).header.revision) };
  };

  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      const [etcd, edgecd] = await Promise.all([targetOf(etcdA.clientURLs[0]!), targetOf(gateway.url)]);
      const [theirs, ours] = await Promise.all([scenario(etcd), scenario(edgecd)]);
      expect(ours).toEqual(theirs);
      expect(JSON.stringify(theirs)).not.toBe('[]');
    });
  }
});
