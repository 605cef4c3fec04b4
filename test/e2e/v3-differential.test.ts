import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd } from '../../scripts/real-etcd.ts';
import { launchCluster } from '../helpers/launcher.ts';
import { etcdV3Api } from '../helpers/v3-etcd-api.ts';
import { startGatewayServer } from '../helpers/v3-gateway-server.ts';
import { normalise, randomRequests, scriptedRequests, type Side, type V3Request } from '../helpers/v3-requests.ts';

/**
 * The v3 differential harness: the same scripted and seeded random v3 gateway requests (every
 * call, option and error; streams, WebSockets) go to two servers, and what a client sees is
 * compared after normalising what legitimately differs between two clusters: cluster and member
 * IDs, member names and URLs, Raft indexes and terms, database sizes and hashes, remaining TTLs,
 * auth tokens, and absolute revisions (compared as deltas from each side's base revision).
 *
 * It runs against two real etcds (and must find no difference there, and must find the
 * differences planted into one side's answers), and against "edgecd": until the member's v3
 * server lands that is edgecd's gateway (src/http/v3, served from Node) in front of a real etcd;
 * when it lands, flip EDGECD below to 'cluster' to send the same requests to a launched edgecd.
 */
const EDGECD: 'gateway' | 'cluster' = 'cluster';

const SEED = 20261202;
const RANDOM_REQUESTS = 150;

interface Target {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real etcd, reached at its leader: what a leader answers is determined (a follower's lessor
 * lists leases in Go's map order, for one), and edgecd's front door talks to its leader too.
 */
async function realEtcd(members: 1 | 3 = 1): Promise<Target> {
  const etcd = await startRealEtcd({ members });
  return { url: await leaderURL(etcd.clientURLs), stop: () => etcd.stop() };
}

async function leaderURL(clientURLs: string[]): Promise<string> {
  for (const url of clientURLs) {
    const status = (await (await fetch(`${url}/v3/maintenance/status`, { method: 'POST', body: '{}' })).json()) as { header: { member_id: string }; leader: string };
    if (status.leader === status.header.member_id) return url;
  }
  return clientURLs[0]!;
}

/**
 * etcd's strict reconfiguration check refuses membership changes until every voter has been
 * connected for 5 s (`HealthInterval`); both sides of a comparison wait it out first.
 */
const settleMembership = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5_500));

async function edgecd(): Promise<Target> {
  if (EDGECD === 'cluster') {
    const cluster = await launchCluster();
    return { url: cluster.url, stop: () => cluster.destroy() };
  }
  const etcd = await startRealEtcd();
  const gateway = await startGatewayServer(await etcdV3Api(etcd.clientURLs[0]!));
  return {
    url: gateway.url,
    stop: async () => {
      await gateway.stop();
      await etcd.stop();
    },
  };
}

/** What a client saw: status, the headers it can act on, and the body (or lines, or WebSocket messages). */
interface Observation {
  status: number;
  headers: Record<string, string>;
  units: string[];
}

// Not compared: `Trailer`. etcd's grpc-gateway declares `Trailer: Grpc-Trailer-Content-Type` on an
// error answer (and sends no trailer); workerd drops a response's Trailer header, so a Worker
// cannot declare one (a platform fact, listed in the README). No client reads it.
const VALUE_HEADERS = [
  'content-type',
  'grpc-metadata-content-type',
  'x-content-type-options',
  'location',
  'sec-websocket-version',
  'access-control-allow-origin',
  'access-control-allow-methods',
  'access-control-allow-headers',
];

async function observe(target: Target, request: V3Request, side: Side): Promise<Observation> {
  const body = typeof request.body === 'function' ? request.body(side) : request.body;
  if (request.websocket !== undefined) return observeWebSocket(target, request);
  const response = await fetch(`${target.url}${request.path}`, {
    method: request.method ?? 'POST',
    redirect: 'manual',
    headers: request.headers ?? {},
    ...(body === undefined ? {} : { body }),
  }).catch(() => undefined);
  if (response === undefined) return { status: 0, headers: {}, units: ['<dropped>'] };
  const headers: Record<string, string> = {};
  for (const name of VALUE_HEADERS) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  headers.date = response.headers.has('date') ? '<present>' : '<absent>';
  const text = request.stream === undefined ? await response.text() : await readUntilQuiet(response, request.stream);
  const units = request.stream === undefined ? [text] : text.split('\n').filter((line) => line !== '');
  return { status: response.status, headers, units };
}

/** A stream's text until it ends or nothing has come for `quietMs`. */
async function readUntilQuiet(response: Response, quietMs: number): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const quiet = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), quietMs);
    });
    const chunk = await Promise.race([reader.read(), quiet]);
    clearTimeout(timer);
    if (chunk === undefined || chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  await reader.cancel().catch(() => undefined);
  return text;
}

/** The messages a WebSocket receives for the request's messages, until quiet; then whether it closed. */
function observeWebSocket(target: Target, request: V3Request): Promise<Observation> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${target.url.replace(/^http/, 'ws')}${request.path}`);
    const units: string[] = [];
    let status = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      // etcd drops the connection (1006 at the client), a Worker sends close 1000: both "closed".
      units.push(closed ? '<closed>' : '<open>');
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
      resolve({ status, headers: {}, units });
    };
    const quiet = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), request.stream ?? 300);
    };
    socket.on('upgrade', (response) => (status = response.statusCode ?? 0));
    socket.on('open', () => {
      for (const message of request.websocket!) socket.send(message);
      quiet();
    });
    socket.on('message', (data: WebSocket.RawData) => {
      units.push(data.toString());
      quiet();
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
  });
}

/** Parses the revision a side starts from (a range over nothing reads it). */
async function baseRevision(target: Target): Promise<number> {
  const response = await fetch(`${target.url}/v3/kv/range`, { method: 'POST', body: '{"key":"AA=="}' });
  return Number(((await response.json()) as { header: { revision: string } }).header.revision);
}

function comparable(observation: Observation, base: number): unknown {
  const units = observation.units.map((unit) => {
    try {
      return normalise(JSON.parse(unit), base);
    } catch {
      return unit;
    }
  });
  return { status: observation.status, headers: observation.headers, units };
}

// ---- running ----

interface Run {
  requests: V3Request[];
  a: Observation[];
  b: Observation[];
  baseA: number;
  baseB: number;
}

async function run(a: Target, b: Target, requests: V3Request[]): Promise<Run> {
  const sideA: Side = { base: await baseRevision(a), captured: {} };
  const sideB: Side = { base: await baseRevision(b), captured: {} };
  const result: Run = { requests, a: [], b: [], baseA: sideA.base, baseB: sideB.base };
  for (const request of requests) {
    const [oa, ob] = await Promise.all([observe(a, request, sideA), observe(b, request, sideB)]);
    result.a.push(oa);
    result.b.push(ob);
    if (request.capture !== undefined) {
      Object.assign(sideA.captured, request.capture(JSON.parse(oa.units[0] ?? 'null')));
      Object.assign(sideB.captured, request.capture(JSON.parse(ob.units[0] ?? 'null')));
    }
  }
  return result;
}

/** The requests whose answers differ, with both sides as normalised. */
function differences(result: Run, b: Observation[] = result.b): string[] {
  const out: string[] = [];
  result.requests.forEach((request, i) => {
    const left = JSON.stringify(comparable(result.a[i]!, result.baseA));
    const right = JSON.stringify(comparable(b[i]!, result.baseB));
    if (left !== right) out.push(`${request.name} (${request.path})\n  A: ${left.slice(0, 600)}\n  B: ${right.slice(0, 600)}`);
  });
  return out;
}

const REQUESTS = [...scriptedRequests(), ...randomRequests(SEED, RANDOM_REQUESTS)];

describe('v3 differential harness', () => {
  let etcdA: Target;
  let etcdB: Target;
  let etcdRun: Run;

  beforeAll(async () => {
    [etcdA, etcdB] = await Promise.all([realEtcd(), realEtcd()]);
    etcdRun = await run(etcdA, etcdB, REQUESTS);
  });

  afterAll(async () => {
    await Promise.all([etcdA?.stop(), etcdB?.stop()]);
  });

  it('finds no difference between two real etcds over the script and the random requests', () => {
    expect(differences(etcdRun)).toEqual([]);
    expect(etcdRun.a.filter((o) => o.status === 200).length).toBeGreaterThan(100);
  });

  const PLANTS: [string, (o: Observation) => Observation | undefined][] = [
    ['a value one byte off', (o) => (o.units[0]?.includes('"value":"') ? { ...o, units: [o.units[0].replace(/"value":"(.)/, (_, c: string) => `"value":"${c === 'A' ? 'B' : 'A'}`), ...o.units.slice(1)] } : undefined)],
    ['a revision one off', (o) => (o.units[0]?.includes('"revision":"') ? { ...o, units: [o.units[0].replace(/"revision":"(\d+)"/, (_, n: string) => `"revision":"${Number(n) + 1}"`), ...o.units.slice(1)] } : undefined)],
    ['another status', (o) => (o.status === 200 ? { ...o, status: 400 } : undefined)],
    ['a stream line fewer', (o) => (o.units.length > 1 && o.headers['content-type'] === 'application/json' ? { ...o, units: o.units.slice(1) } : undefined)],
    ['another error text', (o) => (o.units[0]?.includes('"error":"') ? { ...o, units: [o.units[0].replace('"error":"', '"error":"x')] } : undefined)],
    ['a missing header', (o) => (o.headers['grpc-metadata-content-type'] !== undefined ? { ...o, headers: { ...o.headers, 'grpc-metadata-content-type': 'x' } } : undefined)],
    ['a field more', (o) => (o.units[0]?.startsWith('{"header"') ? { ...o, units: [o.units[0].replace('{"header"', '{"more":true,"header"'), ...o.units.slice(1)] } : undefined)],
  ];

  for (const [plant, mutate] of PLANTS) {
    it(`finds a planted difference: ${plant}`, () => {
      const index = etcdRun.b.findIndex((o) => mutate(o) !== undefined);
      expect(index).toBeGreaterThanOrEqual(0);
      const planted = etcdRun.b.map((o, i) => (i === index ? mutate(o)! : o));
      const found = differences(etcdRun, planted);
      expect(found).toHaveLength(1);
      expect(found[0]).toContain(etcdRun.requests[index]!.name);
    });
  }

  describe(`edgecd (${EDGECD}) against real etcd`, () => {
    let reference: Target;
    let subject: Target;
    let edgecdRun: Run;

    beforeAll(async () => {
      // Three members each: edgecd's local cluster has three, and a member list shows them.
      [reference, subject] = await Promise.all([realEtcd(3), edgecd()]);
      await settleMembership();
      edgecdRun = await run(reference, subject, REQUESTS);
    });

    afterAll(async () => {
      await Promise.all([reference?.stop(), subject?.stop()]);
    });

    it('answers the script and the random requests as etcd does', () => {
      expect(differences(edgecdRun)).toEqual([]);
    });
  });
});
