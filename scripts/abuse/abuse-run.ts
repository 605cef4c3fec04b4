/**
 * The abuse run (issue 14): legitimate traffic's p99 measured quietly, then again while abusers
 * run alongside (idle long polls past the watcher cap, oversized bodies, a 401 re-watch loop,
 * wrong passwords, recursive GETs of a large tree); then member resets and lost writes counted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../free-port.ts';
import { startLocalCluster, waitForLeader, type LocalCluster } from '../local-cluster.ts';
import { b64, call, idlePoll, oversizedDeclared, p99, type Answer } from './traffic.ts';

export interface AbuseOptions {
  quietMs: number;
  abuseMs: number;
  /** Idle long polls opened (more than `maxWatchers`, so some must be refused). */
  idlePolls: number;
  maxWatchers: number;
  treeKeys: number;
  /** Legitimate requests per second (v2 put/get, v3 put/range in turn). */
  legitRate: number;
}

export interface AbuseReport {
  quietP99Ms: number;
  abusedP99Ms: number;
  ratio: number;
  legitRequests: { quiet: number; abused: number; failed: number; failures: Record<string, number> };
  idlePolls: { waiting: number; refused429: number; other: number };
  abuse: Record<string, Record<string, number>>;
  recursiveGet: { count: number; p99Ms: number; nodes: number; bytes: number };
  leaderChanges: number;
  termBefore: number;
  termAfter: number;
  acknowledgedWrites: number;
  lostWrites: number;
  /** The first few read-backs that did not find their write, as answered. */
  lostSamples: string[];
}

const ROOT_PASSWORD = 'abuse-root';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function count(tally: Record<string, number>, key: string | number): void {
  tally[String(key)] = (tally[String(key)] ?? 0) + 1;
}

/** Runs `work` back to back `concurrency` times over until `stop()` says so. */
function loop(concurrency: number, stop: () => boolean, work: () => Promise<unknown>): Promise<void> {
  return Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!stop()) await work();
    }),
  ).then(() => undefined);
}

async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** v2 auth on, guest confined to /legit and /tree: the abusers' /secret is root's alone. */
async function enableAuth(url: string): Promise<void> {
  const steps: [string, string][] = [
    ['/v2/auth/users/root', JSON.stringify({ user: 'root', password: ROOT_PASSWORD })],
    ['/v2/auth/roles/guest', JSON.stringify({ role: 'guest', revoke: { kv: { read: ['/*'], write: ['/*'] } } })],
    ['/v2/auth/roles/guest', JSON.stringify({ role: 'guest', grant: { kv: { read: ['/legit/*', '/tree/*', '/tree', '/idle/*'], write: ['/legit/*', '/tree/*'] } } })],
  ];
  const enabled = await call(`${url}/v2/auth/enable`, { method: 'PUT' });
  if (enabled.status !== 200) throw new Error(`auth enable: ${enabled.status} ${enabled.body}`);
  const auth = { Authorization: `Basic ${b64(`root:${ROOT_PASSWORD}`)}`, 'Content-Type': 'application/json' };
  for (const [path, body] of steps.slice(1)) {
    const answer = await call(`${url}${path}`, { method: 'PUT', body, headers: auth });
    if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${answer.body}`);
  }
}

async function createRoot(url: string): Promise<void> {
  const answer = await call(`${url}/v2/auth/users/root`, { method: 'PUT', body: JSON.stringify({ user: 'root', password: ROOT_PASSWORD }), headers: { 'Content-Type': 'application/json' } });
  if (answer.status !== 201 && answer.status !== 200) throw new Error(`root user: ${answer.status} ${answer.body}`);
}

async function leaderChanges(url: string): Promise<number> {
  const metrics = await call(`${url}/metrics`);
  let total = 0;
  for (const line of metrics.body.split('\n')) if (line.startsWith('etcd_server_leader_changes_seen_total')) total += Number(line.split(' ').pop());
  return total;
}

async function term(cluster: LocalCluster): Promise<number> {
  const statuses = await Promise.all(cluster.members.map((m) => cluster.status(m.name)));
  return Math.max(...statuses.map((s) => s.term ?? 0));
}

export async function runAbuse(options: AbuseOptions, log: (line: string) => void): Promise<AbuseReport> {
  const dataDir = await mkdtemp(join(tmpdir(), 'edgecd-abuse-'));
  const port = await freePort();
  const members = [await freePort(), await freePort(), await freePort()].map((p, i) => ({ name: `node${i + 1}`, port: p }));
  const cluster = await startLocalCluster({ dataDir, port, members, maxWatchers: options.maxWatchers, logLevel: 'warn' });
  const url = cluster.url;
  const polls: { close(): void }[] = [];
  try {
    await waitForLeader(cluster, 30_000);
    log(`abuse: cluster at ${url}; seeding ${options.treeKeys} keys under /tree`);
    const keys = Array.from({ length: options.treeKeys }, (_, i) => i);
    await inParallel(keys, 32, async (i) => {
      // A seed PUT of a fixed value is idempotent, so one that met a connection reset (status 0,
      // the workerd keep-alive resets of issue 15) is sent again, up to three times.
      let answer: Answer = { status: 0, body: '', ms: 0 };
      for (let attempt = 0; attempt < 3 && answer.status === 0; attempt++) {
        answer = await call(`${url}/v2/keys/tree/d${i % 100}/k${i}`, { method: 'PUT', body: `value=${'v'.repeat(64)}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
      }
      if (answer.status !== 201 && answer.status !== 200) throw new Error(`seed: ${answer.status} ${answer.body}`);
    });
    await createRoot(url);
    await enableAuth(url);
    const changesBefore = await leaderChanges(url);
    const termBefore = await term(cluster);

    // Legitimate traffic: one request every 1/rate s, in turn v2 put, v2 get, v3 put, v3 range.
    const acknowledged = new Map<string, string>();
    const samples: { quiet: number[]; abused: number[] } = { quiet: [], abused: [] };
    let phase = 'quiet' as 'quiet' | 'abused' | 'done';
    let failed = 0;
    const failures: Record<string, number> = {};
    let n = 0;
    const inFlight = new Set<Promise<void>>();
    const legitOne = async (i: number): Promise<void> => {
      const at = phase;
      const key = `legit/k${i}`;
      let answer;
      switch (i % 4) {
        case 0:
          answer = await call(`${url}/v2/keys/${key}`, { method: 'PUT', body: `value=v${i}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
          if (answer.status === 201 || answer.status === 200) acknowledged.set(`v2:/${key}`, `v${i}`);
          break;
        case 1:
          answer = await call(`${url}/v2/keys/legit/k${i - 1}`);
          break;
        case 2:
          answer = await call(`${url}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64(key), value: b64(`v${i}`) }) });
          if (answer.status === 200) acknowledged.set(`v3:${key}`, `v${i}`);
          break;
        default:
          answer = await call(`${url}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64(`legit/k${i - 1}`) }) });
      }
      // A read may come before the write it reads has been answered: 404 / no kvs is a right answer.
      if ((answer.status < 200 || answer.status >= 300) && !(i % 2 === 1 && answer.status === 404)) {
        failed++;
        count(failures, `${answer.status} ${answer.body.slice(0, 80)}`);
      }
      if (at !== 'done') samples[at].push(answer.ms);
    };
    const legit = (async () => {
      const period = 1000 / options.legitRate;
      const began = performance.now();
      while (phase !== 'done') {
        const p = legitOne(n++).finally(() => inFlight.delete(p));
        inFlight.add(p);
        const due = began + n * period - performance.now();
        if (due > 0) await sleep(due);
      }
      await Promise.all(inFlight);
    })();

    log(`abuse: quiet phase ${Math.round(options.quietMs / 1000)} s at ${options.legitRate} req/s`);
    await sleep(options.quietMs);
    phase = 'abused';
    log(`abuse: abused phase ${Math.round(options.abuseMs / 1000)} s: ${options.idlePolls} idle long polls (cap ${options.maxWatchers}), oversized bodies, 401 re-watch loop, wrong passwords, recursive GETs of ${options.treeKeys} keys`);

    const pollStatuses: Promise<number>[] = [];
    for (let i = 0; i < options.idlePolls; i++) {
      const poll = idlePoll(`${url}/v2/keys/idle/p${i}?wait=true`);
      polls.push(poll);
      pollStatuses.push(poll.status);
      if (i % 50 === 49) await sleep(20);
    }
    const abuse: Record<string, Record<string, number>> = { oversizedDeclared: {}, v3TooLarge: {}, v2FormTooLarge: {}, rewatch401: {}, wrongPassword: {} };
    const recursive = { count: 0, ms: [] as number[], nodes: 0, bytes: 0 };
    const ends = performance.now() + options.abuseMs;
    const over = (): boolean => performance.now() > ends;
    const pace = (ms: number) => () => sleep(ms);
    const started = performance.now();
    const progress = setInterval(() => {
      const s = Math.round((performance.now() - started) / 1000);
      log(`  ${s} s: legit ${samples.abused.length} (p99 ${p99(samples.abused).toFixed(1)} ms), recursive GETs ${recursive.count}, 401 loop ${abuse.rewatch401!['401'] ?? 0}, wrong passwords ${JSON.stringify(abuse.wrongPassword)}`);
    }, 10_000);
    const wrongAuth = { Authorization: `Basic ${b64('root:wrong')}` };
    await Promise.all([
      loop(1, over, async () => {
        count(abuse.oversizedDeclared!, await oversizedDeclared(`${url}/v2/keys/legit/huge`, 64 * 1024 * 1024));
        await pace(200)();
      }),
      loop(1, over, async () => {
        const big = await call(`${url}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64('legit/huge'), value: b64('x'.repeat(2 * 1024 * 1024)) }) });
        count(abuse.v3TooLarge!, `${big.status} ${/request is too large/.test(big.body) ? 'too large' : big.body.slice(0, 60)}`);
        await pace(1000)();
      }),
      loop(1, over, async () => {
        const form = await call(`${url}/v2/keys/legit/huge`, { method: 'PUT', body: `value=${'x'.repeat(11 * 1024 * 1024)}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
        count(abuse.v2FormTooLarge!, `${form.status} ${form.body.slice(0, 40)}`);
        await pace(5000)();
      }),
      loop(2, over, async () => count(abuse.rewatch401!, (await call(`${url}/v2/keys/secret/x?wait=true`)).status)),
      loop(1, over, async () => {
        count(abuse.wrongPassword!, (await call(`${url}/v2/keys/secret/x`, { headers: wrongAuth })).status);
        await pace(20)();
      }),
      loop(1, over, async () => {
        const answer = await call(`${url}/v2/keys/tree?recursive=true`);
        recursive.count++;
        recursive.ms.push(answer.ms);
        recursive.bytes = answer.body.length;
        recursive.nodes = (answer.body.match(/"key":/g) ?? []).length;
        await pace(100)();
      }),
    ]);
    clearInterval(progress);
    phase = 'done';
    await legit;
    const idle = { waiting: 0, refused429: 0, other: 0 };
    for (const status of await Promise.all(pollStatuses.map((s) => Promise.race([s, sleep(5000).then(() => -1)])))) {
      if (status === 200) idle.waiting++;
      else if (status === 429) idle.refused429++;
      else idle.other++;
    }
    for (const poll of polls) poll.close();

    log(`abuse: reading back ${acknowledged.size} acknowledged writes`);
    let lost = 0;
    const lostSamples: string[] = [];
    const lostOne = (key: string, answer: { status: number; body: string }): void => {
      lost++;
      if (lostSamples.length < 5) lostSamples.push(`${key}: ${answer.status} ${answer.body.slice(0, 160)}`);
    };
    await inParallel([...acknowledged], 16, async ([key, value]) => {
      if (key.startsWith('v2:')) {
        const answer = await call(`${url}/v2/keys${key.slice(3)}?quorum=true`);
        if (!answer.body.includes(`"value":"${value}"`)) lostOne(key, answer);
      } else {
        const answer = await call(`${url}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64(key.slice(3)) }) });
        if (!answer.body.includes(`"value":"${b64(value)}"`)) lostOne(key, answer);
      }
    });
    const quietP99Ms = p99(samples.quiet);
    const abusedP99Ms = p99(samples.abused);
    return {
      quietP99Ms,
      abusedP99Ms,
      ratio: abusedP99Ms / Math.max(quietP99Ms, 0.001),
      legitRequests: { quiet: samples.quiet.length, abused: samples.abused.length, failed, failures },
      idlePolls: idle,
      abuse,
      recursiveGet: { count: recursive.count, p99Ms: p99(recursive.ms), nodes: recursive.nodes, bytes: recursive.bytes },
      leaderChanges: (await leaderChanges(url)) - changesBefore,
      termBefore,
      termAfter: await term(cluster),
      acknowledgedWrites: acknowledged.size,
      lostWrites: lost,
      lostSamples,
    };
  } finally {
    for (const poll of polls) poll.close();
    await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
