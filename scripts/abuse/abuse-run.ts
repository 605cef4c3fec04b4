/**
 * The abuse run (issue 14): legitimate traffic's p99 measured quietly, then again while abusers
 * run alongside (idle long polls past the watcher cap, oversized bodies, a 401 re-watch loop,
 * wrong passwords, recursive GETs of a large tree); then member resets and lost writes counted.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { launchCluster } from '../../test/helpers/launcher.ts';
import type { LegitPhase, LegitReport } from './legit-client.ts';
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

/** The highest Raft term any member reports (etcd's maintenance status, on its own port). */
async function term(memberURLs: string[]): Promise<number> {
  const terms = await Promise.all(
    memberURLs.map(async (url) => Number((JSON.parse((await call(`${url}/v3/maintenance/status`, { method: 'POST', body: '{}' })).body) as { raftTerm?: string }).raftTerm ?? 0)),
  );
  return Math.max(...terms);
}

/** The legitimate client (legit-client.ts), forked; `phase` moves it on, `report` ends it. */
function startLegitClient(url: string, rate: number): { child: ChildProcess; phase(p: LegitPhase): void; report(): Promise<LegitReport> } {
  const child = fork(join(import.meta.dirname, 'legit-client.ts'), [url, String(rate)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const report = new Promise<LegitReport>((resolve, reject) => {
    child.once('message', (message) => resolve(message as LegitReport));
    child.once('exit', (code) => reject(new Error(`the legitimate client exited (${code}) without a report`)));
  });
  return { child, phase: (p) => child.send(p), report: () => report };
}

export async function runAbuse(options: AbuseOptions, log: (line: string) => void): Promise<AbuseReport> {
  // `edgecd start` in a process of its own, as a user runs it: the front door's Node listener then
  // shares no event loop with the abusers' client (which would delay the legitimate client's
  // bytes through it, measuring the abusers' machine instead of edgecd).
  const cluster = await launchCluster({ args: ['--max-watchers', String(options.maxWatchers), '--log-level', 'warn'] });
  const url = cluster.url;
  const polls: { close(): void }[] = [];
  let legitClient: ReturnType<typeof startLegitClient> | undefined;
  try {
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
    const termBefore = await term(cluster.memberURLs);

    // Legitimate traffic, from its own process (legit-client.ts).
    legitClient = startLegitClient(url, options.legitRate);

    log(`abuse: quiet phase ${Math.round(options.quietMs / 1000)} s at ${options.legitRate} req/s`);
    await sleep(options.quietMs);
    // The idle polls are opened first, outside both phases: opening thousands of connections at
    // once is a burst any server pays for; what is measured is serving alongside them held open.
    legitClient.phase('opening');
    log(`abuse: opening ${options.idlePolls} idle long polls (cap ${options.maxWatchers})`);
    const pollStatuses: Promise<number>[] = [];
    for (let i = 0; i < options.idlePolls; i++) {
      const poll = idlePoll(`${url}/v2/keys/idle/p${i}?wait=true`);
      polls.push(poll);
      pollStatuses.push(poll.status);
      if (i % 50 === 49) await sleep(20);
    }
    await Promise.all(pollStatuses.map((s) => Promise.race([s, sleep(30_000)])));
    legitClient.phase('abused');
    log(`abuse: abused phase ${Math.round(options.abuseMs / 1000)} s: oversized bodies, 401 re-watch loop, wrong passwords, recursive GETs of ${options.treeKeys} keys`);
    const abuse: Record<string, Record<string, number>> = { oversizedDeclared: {}, v3TooLarge: {}, v2FormTooLarge: {}, rewatch401: {}, wrongPassword: {} };
    const recursive = { count: 0, ms: [] as number[], nodes: 0, bytes: 0 };
    const ends = performance.now() + options.abuseMs;
    const over = (): boolean => performance.now() > ends;
    const pace = (ms: number) => () => sleep(ms);
    const started = performance.now();
    const progress = setInterval(() => {
      const s = Math.round((performance.now() - started) / 1000);
      log(`  ${s} s: recursive GETs ${recursive.count}, 401 loop ${abuse.rewatch401!['401'] ?? 0}, wrong passwords ${JSON.stringify(abuse.wrongPassword)}`);
    }, 10_000);
    const wrongAuth = { Authorization: `Basic ${b64('root:wrong')}` };
    await Promise.all([
      loop(1, over, async () => {
        count(abuse.oversizedDeclared!, await oversizedDeclared(`${url}/v2/keys/legit/huge`, 64 * 1024 * 1024));
        await pace(200)();
      }),
      loop(1, over, async () => {
        const big = await call(`${url}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64('legit/huge'), value: b64('x'.repeat(2 * 1024 * 1024)) }) });
        // etcd's gRPC server refuses it before etcd sees it: 429, `grpc: received message larger than max`.
        count(abuse.v3TooLarge!, `${big.status} ${/received message larger than max/.test(big.body) ? 'too large' : big.body.slice(0, 60)}`);
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
    legitClient.phase('done');
    const legit = await legitClient.report();
    const samples = legit.samples;
    const acknowledged = new Map(legit.acknowledged);
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
      legitRequests: { quiet: samples.quiet.length, abused: samples.abused.length, failed: legit.failed, failures: legit.failures },
      idlePolls: idle,
      abuse,
      recursiveGet: { count: recursive.count, p99Ms: p99(recursive.ms), nodes: recursive.nodes, bytes: recursive.bytes },
      leaderChanges: (await leaderChanges(url)) - changesBefore,
      termBefore,
      termAfter: await term(cluster.memberURLs),
      acknowledgedWrites: acknowledged.size,
      lostWrites: lost,
      lostSamples,
    };
  } finally {
    for (const poll of polls) poll.close();
    legitClient?.child.kill();
    await cluster.destroy();
  }
}
