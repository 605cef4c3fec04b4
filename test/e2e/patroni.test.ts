import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patronictl, patronictlList, startPatroniCluster, type PatroniCluster, type PatroniNode, type PatroniTiming } from '../helpers/patroni.ts';
import { chosenTargets, startV3Target, type V3Target, type V3TargetName } from '../helpers/v3-targets.ts';
import { psql, query } from '../helpers/postgres.ts';

/**
 * Patroni 3.0.2 (Debian's, unchanged) with an `etcd3:` DCS and two PostgreSQL 15 nodes on
 * loopback, against edgecd and against a real etcd 3.4 on the same machine in the same run
 * (V3_TARGET picks them; see test/helpers/v3-targets.ts): bootstrap, a streaming replica, a
 * graceful switchover and a crash failover, each timed. The targets run one after the other,
 * each alone on the machine while it is measured; edgecd's times must be within FACTOR of etcd's.
 *
 * Patroni's etcd3 DCS (patroni/dcs/etcd3.py) reads `GET /version` to pick /v3 (cluster 3.4),
 * lists members with `/v3/cluster/member/list` and then talks to their clientURLs, keeps one
 * lease (`/v3/lease/grant`, `/v3/lease/keepalive` each loop), writes with `/v3/kv/put` and
 * `/v3/kv/txn` (create_revision / mod_revision compares), and keeps its view of the cluster by one
 * long `/v3/watch` on its prefix from the revision of a `/v3/kv/range`.
 */

/** Short, so a run stays short; the same for both targets. loop_wait + 2*retry_timeout <= ttl. */
const TIMING: PatroniTiming = { ttl: 8, loopWait: 1, retryTimeout: 3 };
/**
 * edgecd's time for a phase may be FACTOR x etcd's plus SLACK_MS: bootstrap includes initdb, and
 * the sub-second replication phase is mostly noise on a machine whose two cores are shared.
 */
const FACTOR = 2;
const SLACK_MS = 2_000;
const PHASE_TIMEOUT_MS = 60_000;

type Phase = 'bootstrap: leader' | 'bootstrap: replica streaming' | 'replication: row on replica' | 'switchover: new primary' | 'switchover: old primary streaming' | 'failover: replica promoted';
const times = new Map<V3TargetName, Map<Phase, number>>();

/** Polls `probe` until it returns a value; the error names what was awaited, with Patroni's logs. */
/** The target being measured: its own output goes with Patroni's when a phase times out. */
let server: V3Target | undefined;

async function until<T>(what: string, cluster: PatroniCluster, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + PHASE_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) {
      const logs = [
        ...cluster.nodes.map((n) => `--- ${n.name}\n${n.output().slice(-4_000)}`),
        ...(server?.output === undefined ? [] : [`--- ${server.name}\n${server.output().slice(-6_000)}`]),
      ].join('\n');
      throw new Error(`timed out waiting for ${what}\n${logs}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Patroni calls it the primary and PostgreSQL has left recovery (Patroni answers /primary with 200
 * as soon as it decides to promote, before `pg_ctl promote` has finished).
 */
async function isPrimary(node: PatroniNode): Promise<boolean> {
  if ((await node.rest('/primary')).status !== 200) return false;
  const recovery = await psql(node.pgPort, 'SELECT pg_is_in_recovery()');
  return recovery.code === 0 && recovery.stdout === 'f';
}

/** Patroni calls it a running replica and its WAL receiver streams from the primary. */
async function isStreamingReplica(node: PatroniNode): Promise<boolean> {
  if ((await node.rest('/replica')).status !== 200) return false;
  const receiver = await psql(node.pgPort, 'SELECT status FROM pg_stat_wal_receiver');
  return receiver.code === 0 && receiver.stdout === 'streaming';
}

async function rangePrefix(target: V3Target, prefix: string): Promise<{ key: string; value: string; lease?: string }[]> {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  const response = await fetch(`${target.url}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64(prefix), range_end: b64(end) }) });
  const body = (await response.json()) as { kvs?: { key: string; value?: string; lease?: string }[] };
  const text = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString();
  return (body.kvs ?? []).map((kv) => ({ key: text(kv.key), value: text(kv.value), ...(kv.lease === undefined ? {} : { lease: kv.lease }) }));
}

const choice = chosenTargets();

for (const name of ['edgecd', 'etcd'] as const) {
  describe(`Patroni 3.0.2 with two PostgreSQL 15 nodes on ${name === 'etcd' ? 'real etcd 3.4' : 'edgecd'}`, () => {
    let target: V3Target | undefined;
    let skipReason: string | undefined;
    let cluster: PatroniCluster;
    let startedAt = 0;
    const phaseTimes = new Map<Phase, number>();
    let leader: PatroniNode;
    let replica: PatroniNode;

    beforeAll(async () => {
      if (!choice.names.includes(name)) {
        skipReason = `V3_TARGET leaves ${name} out`;
        return;
      }
      const started = await startV3Target(name, { etcdMembers: 3, edgecdRequired: choice.edgecdRequired });
      if (typeof started === 'string') {
        skipReason = started;
        return;
      }
      target = started;
      server = started;
      times.set(name, phaseTimes);
      startedAt = performance.now();
      cluster = await startPatroniCluster({ dcsURL: target.url, timing: TIMING });
    });

    afterAll(async () => {
      // Patroni first: it gives up its keys in the DCS as it stops. The target stops regardless.
      try {
        await cluster?.destroy();
      } finally {
        await target?.stop();
      }
    });

    const phase = (p: Phase, from: number): void => {
      phaseTimes.set(p, performance.now() - from);
    };

    it('bootstraps one leader and a streaming replica, as patronictl list, the REST API and the DCS keys show', async (ctx) => {
      ctx.skip(target === undefined, skipReason);
      leader = await until('a primary', cluster, async () => {
        for (const node of cluster.nodes) if (await isPrimary(node)) return node;
        return undefined;
      });
      phase('bootstrap: leader', startedAt);
      replica = cluster.nodes.find((n) => n !== leader)!;
      await until(`${replica.name} streaming`, cluster, async () => ((await isStreamingReplica(replica)) ? true : undefined));
      phase('bootstrap: replica streaming', startedAt);
      expect(await isPrimary(replica)).toBe(false);

      const listed = await patronictlList(leader.configFile);
      expect(listed.map((m) => [m.Member, m.Role, m.State]).sort()).toEqual(
        [[leader.name, 'Leader', 'running'], [replica.name, 'Replica', expect.stringMatching(/^(running|streaming)$/)]].sort(),
      );
      const restCluster = (await leader.rest('/cluster')).body as { members: { name: string; role: string }[] };
      expect(restCluster.members.map((m) => [m.name, m.role]).sort()).toEqual([[leader.name, 'leader'], [replica.name, 'replica']].sort());

      // Patroni keeps its state in the v3 keyspace: the leader key is the leader's name, on a lease.
      const keys = await rangePrefix(target!, `/service/${cluster.scope}/`);
      const byName = new Map(keys.map((kv) => [kv.key.slice(`/service/${cluster.scope}/`.length), kv]));
      expect([...byName.keys()].sort()).toEqual(expect.arrayContaining(['config', 'initialize', 'leader', 'members/pg1', 'members/pg2']));
      expect(byName.get('leader')!.value).toBe(leader.name);
      expect(byName.get('leader')!.lease).toMatch(/^[1-9]\d*$/);
      expect(byName.get(`members/${replica.name}`)!.lease).toMatch(/^[1-9]\d*$/);
    });

    it('replicates a row written on the leader to the replica', async (ctx) => {
      ctx.skip(target === undefined, skipReason);
      await query(leader.pgPort, "CREATE TABLE notes (id int PRIMARY KEY, note text); INSERT INTO notes VALUES (1, 'written on the first leader')");
      const from = performance.now();
      await until('the row on the replica', cluster, async () => {
        const row = await psql(replica.pgPort, 'SELECT note FROM notes WHERE id = 1');
        return row.code === 0 && row.stdout === 'written on the first leader' ? true : undefined;
      });
      phase('replication: row on replica', from);
      const write = await psql(replica.pgPort, "INSERT INTO notes VALUES (2, 'on a replica')");
      expect(write.stderr).toMatch(/read-only transaction/);
    });

    it('switches over gracefully with patronictl switchover: the replica leads, the old leader follows it', async (ctx) => {
      ctx.skip(target === undefined, skipReason);
      const from = performance.now();
      const run = await patronictl(leader.configFile, ['switchover', '--leader', leader.name, '--candidate', replica.name, '--force']);
      expect(run.stdout, run.stderr).toContain(`Successfully switched over to "${replica.name}"`);
      await until(`${replica.name} primary`, cluster, async () => ((await isPrimary(replica)) ? true : undefined));
      phase('switchover: new primary', from);
      await until(`${leader.name} streaming from ${replica.name}`, cluster, async () => ((await isStreamingReplica(leader)) ? true : undefined));
      phase('switchover: old primary streaming', from);
      [leader, replica] = [replica, leader];

      await query(leader.pgPort, "INSERT INTO notes VALUES (2, 'written after the switchover')");
      await until('the switchover row on the new replica', cluster, async () => {
        const rows = await psql(replica.pgPort, 'SELECT note FROM notes ORDER BY id');
        return rows.stdout === 'written on the first leader\nwritten after the switchover' ? true : undefined;
      });
      const listed = await patronictlList(leader.configFile);
      expect(listed.find((m) => m.Role === 'Leader')?.Member).toBe(leader.name);
    });

    it("fails over when the leader's Patroni and PostgreSQL are killed with SIGKILL: the replica is promoted", async (ctx) => {
      ctx.skip(target === undefined, skipReason);
      const crashed = leader;
      const from = performance.now();
      await crashed.kill();
      await until(`${replica.name} promoted`, cluster, async () => ((await isPrimary(replica)) ? true : undefined));
      phase('failover: replica promoted', from);
      // Not before the crashed leader's key could expire: its lease was last kept alive at most
      // about loop_wait before the crash, and it lives ttl seconds.
      expect(phaseTimes.get('failover: replica promoted')).toBeGreaterThanOrEqual((TIMING.ttl - TIMING.loopWait - 1) * 1_000);
      [leader, replica] = [replica, crashed];

      expect(await query(leader.pgPort, 'SELECT note FROM notes ORDER BY id')).toBe('written on the first leader\nwritten after the switchover');
      await query(leader.pgPort, "INSERT INTO notes VALUES (3, 'written after the failover')");
      const listed = await patronictlList(leader.configFile);
      expect(listed.find((m) => m.Role === 'Leader')?.Member).toBe(leader.name);
    });
  });
}

describe('Patroni times', () => {
  it(`prints each phase on both targets, and edgecd's are within ${FACTOR}x (+${SLACK_MS} ms) of real etcd's`, (ctx) => {
    const etcd = times.get('etcd');
    const edgecd = times.get('edgecd');
    ctx.skip(etcd === undefined && edgecd === undefined, 'no target ran');
    const phases = [...new Set([...(etcd?.keys() ?? []), ...(edgecd?.keys() ?? [])])];
    const ms = (v: number | undefined): string => (v === undefined ? '-' : `${Math.round(v)} ms`);
    const lines = phases.map((p) => `  ${p.padEnd(36)} etcd ${ms(etcd?.get(p)).padStart(9)}   edgecd ${ms(edgecd?.get(p)).padStart(9)}`);
    process.stdout.write(`Patroni on this machine (ttl ${TIMING.ttl}, loop_wait ${TIMING.loopWait}, retry_timeout ${TIMING.retryTimeout}):\n${lines.join('\n')}\n`);
    if (etcd === undefined || edgecd === undefined) return;
    for (const p of phases) expect(edgecd.get(p), `${p}: edgecd vs ${FACTOR}x etcd + ${SLACK_MS} ms`).toBeLessThanOrEqual(FACTOR * etcd.get(p)! + SLACK_MS);
  });
});
