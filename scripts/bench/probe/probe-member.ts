import { DurableObject, type DurableObjectNamespace, type ProbeState } from 'cloudflare:workers';
import { PeerChannel, type LogRow } from './peer-channel.ts';
import { FOLLOWERS } from './names.ts';
import { Rounds } from './rounds.ts';

/**
 * workerd evicts an object after ~10 s without an incoming event, dropping its memory. edgecd's
 * members never idle (heartbeats every 100 ms, a watchdog alarm); the probe's objects would, while
 * the benchmark runs the other targets, and then pay a cold start. An alarm keeps them resident.
 */
const KEEP_ALIVE_MS = 3_000;

export interface ProbeEnv {
  PROBE: DurableObjectNamespace;
}

/**
 * The platform probe's member: the I/O one edgecd request needs on this platform and nothing
 * else (no Raft, no store, no etcd semantics), so edgecd can be compared with what the platform
 * allows. At the "leader": a write is one SQLite transaction here and one at each other object
 * (group commit: writes arriving while a round is out ride the next one), answered once a
 * majority (here + one other) is durable; a quorum read is one round trip to the others (also
 * batched); a plain read is answered from memory; a watch is held here until its key is written.
 */
export class ProbeMember extends DurableObject<ProbeEnv> {
  private readonly values = new Map<string, { value: string; index: number }>();
  private readonly watchers = new Map<string, ((event: string) => void)[]>();
  private readonly peers: PeerChannel[];
  private readonly writes = new Rounds<{ key: string; value: string }, number>((items) => this.writeRound(items));
  private readonly reads = new Rounds<null, null>((items) => this.readRound(items.length));
  private lastIndex: number;

  constructor(ctx: ProbeState, env: ProbeEnv) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS log (idx INTEGER PRIMARY KEY, key TEXT NOT NULL, value TEXT NOT NULL)');
    const last = ctx.storage.sql.exec('SELECT MAX(idx) AS idx FROM log').toArray()[0]?.['idx'];
    this.lastIndex = typeof last === 'number' ? last : 0;
    // Woken again after all (a restart): the values are the latest row per key.
    const rows = ctx.storage.sql.exec('SELECT key, value, MAX(idx) AS idx FROM log GROUP BY key').toArray();
    for (const r of rows) this.values.set(String(r['key']), { value: String(r['value']), index: Number(r['idx']) });
    this.peers = FOLLOWERS.map((name) => new PeerChannel(env.PROBE, name));
    void ctx.storage.getAlarm().then((at) => (at === null ? ctx.storage.setAlarm(Date.now() + KEEP_ALIVE_MS) : undefined));
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.setAlarm(Date.now() + KEEP_ALIVE_MS);
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/append') return this.append(await request.text());
    if (url.pathname === '/ping') return new Response(null, { status: 204 });
    if (url.pathname.startsWith('/v3/')) return this.v3(url.pathname, await request.text());
    const key = url.pathname;
    if (request.method === 'PUT') {
      const value = new URLSearchParams(await request.text()).get('value') ?? '';
      const index = await this.writes.submit({ key, value });
      return json(200, { action: 'set', node: { key, value, modifiedIndex: index, createdIndex: index } }, index);
    }
    if (url.searchParams.get('wait') === 'true') return this.watch(key);
    if (url.searchParams.get('quorum') === 'true') await this.reads.submit(null);
    const found = this.values.get(key);
    if (found === undefined) return json(404, { errorCode: 100, message: 'Key not found', cause: key, index: this.lastIndex }, this.lastIndex);
    return json(200, { action: 'get', node: { key, value: found.value, modifiedIndex: found.index, createdIndex: found.index } }, this.lastIndex);
  }

  /**
   * The v3 cells' floor: a put or a txn's put is one write round, a (linearizable) range one
   * quorum read round; the body is parsed for its key and value and nothing else is done.
   */
  private async v3(path: string, body: string): Promise<Response> {
    const r = JSON.parse(body) as { key?: string; value?: string; success?: { request_put?: { key: string; value: string } }[] };
    const put = path === '/v3/kv/txn' ? r.success?.[0]?.request_put : path === '/v3/kv/put' ? { key: r.key ?? '', value: r.value ?? '' } : undefined;
    if (put !== undefined) {
      const index = await this.writes.submit({ key: `/v3/${put.key}`, value: put.value });
      return Response.json({ header: { revision: String(index) } });
    }
    await this.reads.submit(null);
    const found = this.values.get(`/v3/${r.key ?? ''}`);
    const kvs = found === undefined ? [] : [{ key: r.key, value: found.value, mod_revision: String(found.index) }];
    return Response.json({ header: { revision: String(this.lastIndex) }, kvs, count: String(kvs.length) });
  }

  /** Follower: persist the rows in one transaction; the output gate holds the answer until durable. */
  private append(body: string): Response {
    const rows = JSON.parse(body) as LogRow[];
    this.ctx.storage.transactionSync(() => {
      for (const r of rows) this.ctx.storage.sql.exec('INSERT OR REPLACE INTO log (idx, key, value) VALUES (?, ?, ?)', r.idx, r.key, r.value);
    });
    return new Response(null, { status: 204 });
  }

  /** One group-commit round: local transaction, send to both others, wait for a majority. */
  private async writeRound(items: { key: string; value: string }[]): Promise<number[]> {
    const rows: LogRow[] = items.map((item) => ({ idx: ++this.lastIndex, key: item.key, value: item.value }));
    this.ctx.storage.transactionSync(() => {
      for (const r of rows) this.ctx.storage.sql.exec('INSERT INTO log (idx, key, value) VALUES (?, ?, ?)', r.idx, r.key, r.value);
    });
    const sent = this.peers.map((p) => p.append(rows));
    // Majority of three: this object's write (awaited as edgecd's ready loop does) and one other.
    await Promise.all([this.ctx.storage.sync(), Promise.any(sent)]);
    for (const r of rows) {
      this.values.set(r.key, { value: r.value, index: r.idx });
      this.notify(r);
    }
    return rows.map((r) => r.idx);
  }

  /** A quorum read round: one round trip to the others, answered when one has replied. */
  private async readRound(readers: number): Promise<null[]> {
    await Promise.any(this.peers.map((p) => p.ping()));
    return new Array<null>(readers).fill(null);
  }

  /** Headers go out at once (the watcher is registered); the body is the next write's event. */
  private watch(key: string): Response {
    const encoder = new TextEncoder();
    let deliver: (event: string) => void = () => undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        deliver = (event) => {
          controller.enqueue(encoder.encode(event));
          controller.close();
        };
      },
    });
    const list = this.watchers.get(key) ?? [];
    list.push((event) => deliver(event));
    this.watchers.set(key, list);
    return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json', 'X-Etcd-Index': String(this.lastIndex) } });
  }

  private notify(row: LogRow): void {
    const list = this.watchers.get(row.key);
    if (list === undefined) return;
    this.watchers.delete(row.key);
    const event = JSON.stringify({ action: 'set', node: { key: row.key, value: row.value, modifiedIndex: row.idx, createdIndex: row.idx } });
    for (const deliver of list) deliver(event);
  }
}

function json(status: number, body: unknown, index: number): Response {
  return new Response(`${JSON.stringify(body)}\n`, {
    status,
    headers: { 'Content-Type': 'application/json', 'X-Etcd-Index': String(index) },
  });
}
