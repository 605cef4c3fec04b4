import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etcdctl3, normalise, sortedEvents, type Etcdctl3Result, type Etcdctl3Run } from './etcdctl3.ts';
import { startGrpcFixture, type GrpcFixture } from './harness.ts';

/**
 * etcdctl 3.4 in v3 mode through its command table, once against edgecd and once against a
 * fresh 3-member real etcd directly, at its leader. The same commands in the same order give
 * both the same revisions, so outputs compare exactly after normalise() (ports, IDs, member names
 * and peer URLs, timings). `host` is how etcdctl reaches edgecd: `'launcher'`, as `npm start`
 * serves it (gRPC on the client port, beside HTTP, as etcd's 2379 serves both), or `'child'`,
 * through `edgecd proxy --endpoint <front door>` as on a workstation in front of a deployed
 * cluster. `GRPC_UPSTREAM=etcd` runs the same script through the gRPC server in front of a real
 * etcd's own gateway instead (the translator checked against the oracle).
 */
export function etcdctlScript(host: 'launcher' | 'child'): void {
  let fixture: GrpcFixture;
  const upstream = process.env.GRPC_UPSTREAM ?? 'edgecd';

  beforeAll(async () => {
    fixture = await startGrpcFixture(upstream === 'edgecd' ? { oracle: 3, host } : { oracle: true, host: 'child' });
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  async function both(run: Etcdctl3Run | ((side: 'proxied' | 'direct', previous?: Etcdctl3Result) => Etcdctl3Run)): Promise<{ proxied: Etcdctl3Result; direct: Etcdctl3Result }> {
    const runFor = (side: 'proxied' | 'direct'): Etcdctl3Run => (typeof run === 'function' ? run(side) : run);
    const [proxied, direct] = await Promise.all([etcdctl3(fixture.proxied, runFor('proxied')), etcdctl3(fixture.direct!, runFor('direct'))]);
    return { proxied, direct };
  }

  /** Runs each command on both sides in turn and expects the same normalised output. */
  async function same(...runs: Etcdctl3Run[]): Promise<void> {
    for (const run of runs) {
      const { proxied, direct } = await both(run);
      expect({ args: run.args, ...normalise(proxied) }).toEqual({ args: run.args, ...normalise(direct) });
    }
  }

  const cmd = (...args: string[]): Etcdctl3Run => ({ args });

  describe(`etcdctl v3 (${host === 'launcher' ? 'edgecd start' : 'edgecd proxy'}) reads as against etcd`, () => {
    it('put and get: prefix, from-key, rev, limit, sort, keys-only, print-value-only, count-only, json', async () => {
      await same(
        cmd('put', 'foo', 'bar'),
        cmd('put', 'foo2', 'bar2'),
        cmd('put', 'foo', 'bar-again'),
        cmd('put', 'zoo', 'z'),
        cmd('get', 'foo'),
        cmd('get', 'foo', '-w', 'json'),
        cmd('get', '--prefix', 'foo'),
        cmd('get', '--from-key', 'foo2'),
        cmd('get', 'foo', '--rev=2'),
        cmd('get', '', '--prefix', '--limit=2', '--sort-by=KEY', '--order=DESCEND'),
        cmd('get', '', '--prefix', '--sort-by=MODIFY', '--order=ASCEND', '-w', 'json'),
        cmd('get', '--prefix', 'foo', '--keys-only'),
        cmd('get', '--prefix', 'foo', '--print-value-only'),
        cmd('get', '--prefix', 'foo', '--count-only', '-w', 'fields'),
        cmd('get', 'foo', '--consistency=s'),
        cmd('get', 'nothing-here'),
        cmd('put', 'foo', 'new', '--prev-kv'),
        cmd('put', 'foo', '--ignore-value', 'x'),
      );
    });

    it('del: prefix, prev-kv, nothing to delete', async () => {
      await same(cmd('del', '--prefix', 'foo2', '--prev-kv'), cmd('del', 'nothing-here'), cmd('put', 'foo2', 'back'), cmd('del', '--from-key', 'zoo'));
    });

    it('txn: interactive script on stdin, success and failure branches, json', async () => {
      await same(
        { args: ['txn', '-i'], stdin: 'value("foo") = "new"\n\nput a 1\nput b 2\n\nput c 3\n\n' },
        { args: ['txn', '-i'], stdin: 'mod("foo") < "1"\n\nput c 3\n\nget a\ndel b\n\n' },
        { args: ['txn', '-w', 'json'], stdin: 'version("a") = "1"\n\nget a\n\n\n' },
      );
    });

    it('watch: prefix, rev, prev-kv, interactive', async () => {
      await same(
        { args: ['watch', '--prefix', 'foo', '--rev=2', '--prev-kv'], stopAfterMs: 1500 },
        { args: ['watch', 'a', '--rev=1', '-w', 'json'], stopAfterMs: 1500 },
      );
      // Two watches on one stream: each one's events in order, the interleaving between them timing.
      const { proxied, direct } = await both({ args: ['watch', '-i'], stdin: 'watch foo --rev 2\nwatch --prefix a --rev 1\n', stopAfterMs: 1500 });
      expect(sortedEvents(proxied.stdout)).toEqual(sortedEvents(direct.stdout));
      expect(sortedEvents(proxied.stdout)).toHaveLength(4);
      expect(proxied.stderr).toBe(direct.stderr);
    });

    it('compaction, then reads and watches below it fail with etcd\'s error', async () => {
      await same(
        cmd('compaction', '4'),
        cmd('get', 'foo', '--rev=3'),
        { args: ['watch', 'foo', '--rev=2'], stopAfterMs: 1500 },
        cmd('compaction', '3'),
        cmd('compaction', '--physical', '5'),
      );
    });

    it('lease grant, timetolive, list, keep-alive, revoke', async () => {
      const grant = await both(cmd('lease', 'grant', '100'));
      expect(normalise(grant.proxied)).toEqual(normalise(grant.direct));
      const leaseOf = (r: Etcdctl3Result): string => /lease ([0-9a-f]+) granted/.exec(r.stdout)![1]!;
      const withLease = (...args: string[]) => (side: 'proxied' | 'direct'): Etcdctl3Run => ({
        args: args.map((a) => (a === 'LEASE' ? leaseOf(grant[side]) : a)),
      });
      for (const run of [
        withLease('put', 'leased', 'v', '--lease=LEASE'),
        withLease('lease', 'timetolive', 'LEASE', '--keys'),
        withLease('lease', 'list'),
        withLease('lease', 'keep-alive', '--once', 'LEASE'),
        withLease('lease', 'revoke', 'LEASE'),
        withLease('lease', 'timetolive', 'LEASE'),
        withLease('lease', 'revoke', 'LEASE'),
        withLease('lease', 'keep-alive', '--once', 'LEASE'),
        withLease('get', 'leased'),
      ]) {
        const { proxied, direct } = await both(run);
        expect(normalise(proxied)).toEqual(normalise(direct));
      }
    });

    it('member list, endpoint health and status, alarm list, defrag, move-leader', async () => {
      await same(
        cmd('member', 'list'),
        cmd('member', 'list', '-w', 'json'),
        cmd('endpoint', 'health'),
        cmd('endpoint', 'status', '-w', 'fields'),
        cmd('alarm', 'list'),
        cmd('defrag'),
        cmd('move-leader', '1'),
      );
    });

    it('member add, update and remove (a member that never starts)', async () => {
      // etcd refuses membership changes until every voter has been connected for 5 s.
      await new Promise((r) => setTimeout(r, 5_500));
      const added = await both(cmd('member', 'add', 'extra', '--peer-urls=http://127.0.0.1:9'));
      expect(added.direct.stdout + added.direct.stderr).toContain('added to cluster');
      expect(normalise(added.proxied)).toEqual(normalise(added.direct));
      const idOf = (r: Etcdctl3Result): string => /Member ([0-9a-f]+) added/.exec(r.stdout)![1]!;
      const ids = { proxied: idOf(added.proxied), direct: idOf(added.direct) };
      for (const args of [['member', 'update', 'ID', '--peer-urls=http://127.0.0.1:10'], ['member', 'list'], ['member', 'remove', 'ID'], ['member', 'remove', 'ID']]) {
        const { proxied, direct } = await both((side) => ({ args: args.map((a) => (a === 'ID' ? ids[side] : a)) }));
        // Members are listed in ID order, which is each cluster's own: compared as sets of lines.
        const lines = (r: Etcdctl3Result): Etcdctl3Result => ({ ...normalise(r), stdout: normalise(r).stdout.split('\n').sort().join('\n') });
        expect({ args, ...lines(proxied) }).toEqual({ args, ...lines(direct) });
      }
    });

    // edgecd's gateway has a HashKV route etcd's lacks, and edgecd hashes its key bucket as etcd
    // does: the same writes give the same hash.
    it.runIf(upstream === 'edgecd')('endpoint hashkv: the same hash as etcd for the same history', async () => {
      await same(cmd('endpoint', 'hashkv'));
    });

    it.runIf(upstream !== 'edgecd')('endpoint hashkv is Unimplemented: etcd 3.4\'s gateway has no route for HashKV', async () => {
      const { proxied, direct } = await both(cmd('endpoint', 'hashkv'));
      expect(direct.code).toBe(0);
      expect(proxied.code).not.toBe(0);
      expect(proxied.stderr).toContain('code = Unimplemented');
    });

    // edgecd has no bbolt file to hand out, and a snapshot etcd could not restore would not be
    // honest: it answers Unimplemented, saying so.
    it.runIf(upstream === 'edgecd')('snapshot save is Unimplemented on edgecd', async () => {
      const proxied = await etcdctl3(fixture.proxied, { args: ['snapshot', 'save', '/tmp/edgecd-snapshot-never-written.db'] });
      expect(proxied.code).not.toBe(0);
      expect(proxied.stderr).toContain('code = Unimplemented');
    });

    it.runIf(upstream !== 'edgecd')('snapshot save streams the whole snapshot, its checksum verified by etcdctl', async () => {
      const { proxied, direct } = await both((side) => ({ args: ['snapshot', 'save', `${fixture.upstream!.dir}/${side}.db`] }));
      expect(direct.code).toBe(0);
      expect(proxied.code).toBe(0);
      expect(proxied.stdout).toContain('Snapshot saved at');
    });

    it('lock and elect', async () => {
      await same(cmd('lock', 'mylock', 'echo', 'locked'));
      const [campaigns, observed] = await Promise.all([
        both({ args: ['elect', 'myel', 'v1'], stopAfterMs: 2500 }),
        new Promise((r) => setTimeout(r, 1000)).then(() => both({ args: ['elect', '-l', 'myel'], stopAfterMs: 1000 })),
      ]);
      expect(normalise(campaigns.proxied)).toEqual(normalise(campaigns.direct));
      expect(normalise(observed.proxied)).toEqual(normalise(observed.direct));
      expect(observed.proxied.stdout).toContain('v1');
    });

    it.runIf(upstream !== 'edgecd')('auth: users, roles, enable, a token carried on every call, disable', async () => {
      await same(
        cmd('user', 'add', 'root', '--new-user-password=rootpw'),
        cmd('role', 'add', 'reader'),
        cmd('role', 'grant-permission', 'reader', 'read', 'foo'),
        cmd('user', 'add', 'ann', '--new-user-password=annpw'),
        cmd('user', 'grant-role', 'ann', 'reader'),
        cmd('user', 'grant-role', 'root', 'root'),
        cmd('auth', 'enable'),
        cmd('get', 'foo'),
        cmd('--user', 'root:rootpw', 'get', 'foo'),
        cmd('--user', 'root:wrong', 'get', 'foo'),
        cmd('--user', 'ann:annpw', 'get', 'foo'),
        cmd('--user', 'ann:annpw', 'put', 'foo', 'no'),
        cmd('--user', 'root:rootpw', 'put', 'foo', 'yes'),
        cmd('--user', 'root:rootpw', 'user', 'list'),
        cmd('--user', 'root:rootpw', 'role', 'get', 'reader'),
        cmd('--user', 'root:rootpw', 'user', 'get', 'ann'),
        cmd('--user', 'root:rootpw', 'auth', 'disable'),
        cmd('get', 'foo'),
      );
    });
  });
}
