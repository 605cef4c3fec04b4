import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { etcdServerLessorOptions, LeaseError, Lessor, MAX_LEASE_TTL } from '../../src/lease/index.ts';
import { MemoryLeaseStore } from '../helpers/memory-lease-store.ts';
import { send } from '../helpers/oracle.ts';

/**
 * The lessor against real etcd 3.4 where its decisions show from outside, cheaply: a single-member
 * etcd at its default timing (its member is the leader, so its lessor is the primary) and a
 * primary `Lessor` with the settings etcd's server derives from the same timing. What etcd
 * answers over the JSON gateway must be what the lessor decides.
 */

let etcd: RealEtcdCluster;
let url: string;

beforeAll(async () => {
  etcd = await startRealEtcd();
  url = etcd.clientURLs[0]!;
});
afterAll(async () => {
  await etcd?.stop();
});

/** POST to the v3 JSON gateway; int64s come back as strings. */
async function v3(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await send(url, { method: 'POST', path, body: JSON.stringify(body) });
  return (await response.json()) as Record<string, unknown>;
}

const b64 = (s: string): string => Buffer.from(s, 'binary').toString('base64');

function primary(): Lessor {
  const { minTtl, expiredLeaseRetryMs, promoteExtendMs } = etcdServerLessorOptions(100, 1000);
  const lessor = new Lessor(new MemoryLeaseStore(), { minTtl, expiredLeaseRetryMs });
  lessor.promote(0, promoteExtendMs);
  return lessor;
}

describe('the lessor against real etcd 3.4', () => {
  it('raises a 1 s grant to 2 s, as etcd at its default heartbeat and election timeout', async () => {
    const granted = await v3('/v3/lease/grant', { TTL: 1 });
    expect(granted.TTL).toBe('2');
    expect(primary().grant(BigInt(granted.ID as string), 1, 0).ttl).toBe(2);
  });

  it('raises a negative grant to the minimum too, and refuses one above MaxLeaseTTL', async () => {
    expect((await v3('/v3/lease/grant', { TTL: -5 })).TTL).toBe('2');
    expect(primary().grant(1n, -5, 0).ttl).toBe(2);
    const tooLarge = await v3('/v3/lease/grant', { TTL: MAX_LEASE_TTL + 1 });
    expect(tooLarge.error).toBe('etcdserver: too large lease TTL');
    expect(() => primary().grant(1n, MAX_LEASE_TTL + 1, 0)).toThrow(new LeaseError('ErrLeaseTTLTooLarge'));
  });

  it('reports TimeToLive truncated to whole seconds: 9 of 10 just after the grant, 8 some 1.5 s later', async () => {
    const grantSent = performance.now();
    const granted = await v3('/v3/lease/grant', { TTL: 10 });
    const grantAnswered = performance.now();
    const id = BigInt(granted.ID as string);
    const lessor = primary();
    lessor.grant(id, 10, 0);
    for (const waitMs of [0, 1_500]) {
      await new Promise((r) => setTimeout(r, waitMs));
      const askSent = performance.now();
      const answer = await v3('/v3/lease/timetolive', { ID: granted.ID });
      const askAnswered = performance.now();
      expect(answer.grantedTTL).toBe('10');
      // etcd's clock ran between these bounds from its grant to its answer; the lessor must
      // give etcd's answer somewhere in them.
      const possible = new Set([askSent - grantAnswered, askAnswered - grantSent].map((ms) => lessor.timeToLive(id, ms).ttl));
      expect(possible, `after ${waitMs} ms`).toContain(Number(answer.TTL));
      expect(Number(answer.TTL)).toBe(waitMs === 0 ? 9 : 8);
    }
  });

  it('lists leases soonest expiry first', async () => {
    const later = await v3('/v3/lease/grant', { TTL: 300 });
    const sooner = await v3('/v3/lease/grant', { TTL: 100 });
    const listed = ((await v3('/v3/lease/leases', {})).leases as { ID: string }[]).map((l) => l.ID);
    const ours = primary();
    ours.grant(BigInt(later.ID as string), 300, 0);
    ours.grant(BigInt(sooner.ID as string), 100, 1);
    const ourOrder = ours.leasesByExpiry().map((l) => String(l.id));
    expect(listed.filter((id) => ourOrder.includes(id))).toEqual(ourOrder);
  });

  it('revokes all of a lease\'s keys in one revision, as the lessor hands them to one deleter call', async () => {
    const granted = await v3('/v3/lease/grant', { TTL: 60 });
    await v3('/v3/kv/put', { key: b64('lease/b'), value: b64('x'), lease: granted.ID });
    await v3('/v3/kv/put', { key: b64('lease/a'), value: b64('y'), lease: granted.ID });
    const ttl = await v3('/v3/lease/timetolive', { ID: granted.ID, keys: true });
    const before = Number((ttl.header as { revision: string }).revision);
    await v3('/v3/lease/revoke', { ID: granted.ID });
    const after = await v3('/v3/kv/range', { key: b64('lease/'), range_end: b64('lease0') });
    expect(Number((after.header as { revision: string }).revision)).toBe(before + 1);
    expect(after.kvs).toBeUndefined();

    const lessor = primary();
    const id = BigInt(granted.ID as string);
    lessor.grant(id, 60, 0);
    lessor.attach(id, 'lease/b');
    lessor.attach(id, 'lease/a');
    const calls: (readonly string[])[] = [];
    lessor.revoke(id, (keys) => calls.push(keys));
    expect(calls).toEqual([['lease/a', 'lease/b']]);
    // etcd lists a lease's keys in Go map order (random); the lessor sorts them.
    expect((ttl.keys as string[]).map((k) => Buffer.from(k, 'base64').toString('binary')).sort()).toEqual(calls[0]);
  });

  it('answers an unknown lease\'s TimeToLive with TTL -1 where the lessor says not found', async () => {
    const answer = await v3('/v3/lease/timetolive', { ID: '12345' });
    expect(answer.TTL).toBe('-1');
    expect(() => primary().timeToLive(12345n, 0)).toThrow(new LeaseError('ErrLeaseNotFound'));
  });
});
