import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FOREVER, FOREVER_SECONDS, Lessor, MAX_LEASE_TTL, type LeaseId } from '../../src/lease/index.ts';
import { MemoryLeaseStore } from '../helpers/memory-lease-store.ts';
import { errorCode } from './helpers.ts';

/**
 * Random grant / renew / put / delete / revoke / advance-time / restart / promote / demote /
 * expire sequences against a model that is etcd's lessor semantics written out plainly: maps and
 * arithmetic, no queue. The harness drives attach and detach the way the mvcc store does (a put
 * detaches the key from its old lease first; a restart re-attaches every key from the store's
 * records; a revoke's deleter detaches each key it deletes).
 */

const MIN_TTL = 2;
const RETRY_MS = 3000;

interface ModelLease {
  ttl: number;
  expiry: number;
  /** When the primary handed it out for revoking, the time it may be handed out again. */
  retryAt?: number;
}

class Model {
  now = 0;
  primary = false;
  leases = new Map<LeaseId, ModelLease>();
  /** The mvcc store's view: key -> lease. */
  owner = new Map<string, LeaseId>();

  keysOf(id: LeaseId): string[] {
    return [...this.owner].filter(([, l]) => l === id).map(([k]) => k).sort();
  }

  queueTime(l: ModelLease): number {
    return l.retryAt ?? l.expiry;
  }

  byExpiry(): [LeaseId, ModelLease][] {
    return [...this.leases].sort(([a, x], [b, y]) => cmp(x.expiry, y.expiry) || cmp(a, b));
  }
}

function cmp(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const leaseId = fc.constantFrom(0n, 1n, 2n, 3n, -4n, 2n ** 62n);
const ttl = fc.constantFrom(-3, 0, 1, 2, 3, 10, 90, MAX_LEASE_TTL, MAX_LEASE_TTL + 1);
const key = fc.constantFrom('a', 'b', 'c', '\xff');
const advance = fc.constantFrom(0, 1, 499, 999, 1000, 2999, 3000, 5000, 60_000);

type Op =
  | { op: 'grant'; id: LeaseId; ttl: number }
  | { op: 'revoke'; id: LeaseId }
  | { op: 'renew'; id: LeaseId }
  | { op: 'put'; key: string; id: LeaseId }
  | { op: 'delete'; key: string }
  | { op: 'advance'; ms: number }
  | { op: 'restart' }
  | { op: 'promote'; extend: number }
  | { op: 'demote' }
  | { op: 'expire' }
  | { op: 'ttl'; id: LeaseId };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('grant' as const), id: leaseId, ttl }),
  fc.record({ op: fc.constant('revoke' as const), id: leaseId }),
  fc.record({ op: fc.constant('renew' as const), id: leaseId }),
  fc.record({ op: fc.constant('put' as const), key, id: leaseId }),
  fc.record({ op: fc.constant('delete' as const), key }),
  fc.record({ op: fc.constant('advance' as const), ms: advance }),
  fc.record({ op: fc.constant('restart' as const) }),
  fc.record({ op: fc.constant('promote' as const), extend: fc.constantFrom(0, 1000) }),
  fc.record({ op: fc.constant('demote' as const) }),
  fc.record({ op: fc.constant('expire' as const) }),
  fc.record({ op: fc.constant('ttl' as const), id: leaseId }),
);

function run(ops: Op[]): void {
  const store = new MemoryLeaseStore();
  const open = (): Lessor => new Lessor(store, { minTtl: MIN_TTL, expiredLeaseRetryMs: RETRY_MS });
  let lessor = open();
  const m = new Model();

  for (const o of ops) {
    switch (o.op) {
      case 'grant': {
        const want =
          o.id === 0n ? 'ErrLeaseNotFound' : o.ttl > MAX_LEASE_TTL ? 'ErrLeaseTTLTooLarge' : m.leases.has(o.id) ? 'ErrLeaseExists' : undefined;
        expect(errorCode(() => lessor.grant(o.id, o.ttl, m.now))).toBe(want);
        if (want === undefined) {
          const granted = Math.max(o.ttl, MIN_TTL);
          m.leases.set(o.id, { ttl: granted, expiry: m.primary ? m.now + granted * 1000 : FOREVER });
        }
        break;
      }
      case 'revoke': {
        const known = m.leases.has(o.id);
        let deleted: readonly string[] | undefined;
        const code = errorCode(() =>
          lessor.revoke(o.id, (keys) => {
            deleted = keys;
            for (const k of keys) lessor.detach(lessor.getLease(k), k);
          }),
        );
        expect(code).toBe(known ? undefined : 'ErrLeaseNotFound');
        if (known) {
          expect(deleted).toEqual(m.keysOf(o.id));
          for (const k of m.keysOf(o.id)) m.owner.delete(k);
          m.leases.delete(o.id);
        }
        break;
      }
      case 'renew': {
        const l = m.leases.get(o.id);
        const want = !m.primary ? 'ErrNotPrimary' : l === undefined || l.expiry <= m.now ? 'ErrLeaseNotFound' : undefined;
        let got: number | undefined;
        expect(errorCode(() => (got = lessor.renew(o.id, m.now)))).toBe(want);
        if (want === undefined && l !== undefined) {
          expect(got).toBe(l.ttl);
          l.expiry = m.now + l.ttl * 1000;
        }
        break;
      }
      case 'put': {
        // The applier refuses a put naming an unknown lease before mvcc runs (etcd's checkLease).
        if (o.id !== 0n && lessor.lookup(o.id) === undefined) {
          expect(m.leases.has(o.id)).toBe(false);
          expect(errorCode(() => lessor.attach(o.id, o.key))).toBe('ErrLeaseNotFound');
          break;
        }
        const old = lessor.getLease(o.key);
        expect(old).toBe(m.owner.get(o.key) ?? 0n);
        if (old !== 0n) lessor.detach(old, o.key);
        if (o.id !== 0n) lessor.attach(o.id, o.key);
        if (o.id === 0n) m.owner.delete(o.key);
        else m.owner.set(o.key, o.id);
        break;
      }
      case 'delete': {
        const old = lessor.getLease(o.key);
        if (old !== 0n) lessor.detach(old, o.key);
        m.owner.delete(o.key);
        break;
      }
      case 'advance':
        m.now += o.ms;
        break;
      case 'restart':
        lessor = open();
        for (const [k, id] of m.owner) lessor.attach(id, k);
        m.primary = false;
        for (const l of m.leases.values()) {
          l.expiry = FOREVER;
          delete l.retryAt;
        }
        break;
      case 'promote':
        lessor.promote(m.now, o.extend);
        m.primary = true;
        for (const l of m.leases.values()) {
          l.expiry = m.now + o.extend + l.ttl * 1000;
          delete l.retryAt;
        }
        break;
      case 'demote':
        lessor.demote();
        m.primary = false;
        for (const l of m.leases.values()) {
          l.expiry = FOREVER;
          delete l.retryAt;
        }
        break;
      case 'expire': {
        const due = !m.primary
          ? []
          : [...m.leases]
              .filter(([, l]) => m.queueTime(l) <= m.now)
              .sort(([a, x], [b, y]) => cmp(m.queueTime(x), m.queueTime(y)) || cmp(a, b));
        for (const [, l] of due) l.retryAt = m.now + RETRY_MS;
        const want = due.filter(([, l]) => l.expiry <= m.now).map(([id]) => id);
        expect(lessor.expiredLeases(m.now, 1000)).toEqual(want);
        break;
      }
      case 'ttl': {
        const l = m.leases.get(o.id);
        if (l === undefined) {
          expect(errorCode(() => lessor.timeToLive(o.id, m.now))).toBe('ErrLeaseNotFound');
          break;
        }
        const ttlSeconds = l.expiry === FOREVER ? FOREVER_SECONDS : Math.trunc((l.expiry - m.now) / 1000) + 0;
        expect(lessor.timeToLive(o.id, m.now, true)).toEqual({ id: o.id, ttl: ttlSeconds, grantedTtl: l.ttl, keys: m.keysOf(o.id) });
        break;
      }
    }

    expect(lessor.isPrimary).toBe(m.primary);
    expect(lessor.leasesByExpiry().map((l) => [l.id, l.ttl, l.expiryMs, l.keys()])).toEqual(
      m.byExpiry().map(([id, l]) => [id, l.ttl, l.expiry, m.keysOf(id)]),
    );
    expect(store.all().sort((a, b) => cmp(a.id, b.id))).toEqual(
      [...m.leases].sort(([a], [b]) => cmp(a, b)).map(([id, l]) => ({ id, ttl: l.ttl, remainingTtl: 0 })),
    );
  }
}

describe('the lessor against a model', () => {
  it('agrees with the model on every step of random sequences, across restarts and leader changes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 100, size: 'max' }), (ops) => run(ops)),
      { numRuns: 500 },
    );
  });
});
