import { describe, expect, it } from 'vitest';
import { NO_LEASE, type LeaseAttachments } from '../../src/lease/index.ts';
import { errorCode, newLessor, primaryLessor, T0 } from './helpers.ts';

describe('Lessor.attach and detach', () => {
  it('attaches keys to a lease and detaches one (etcd TestLessorDetach)', () => {
    const { lessor } = newLessor();
    lessor.grant(1n, 100, T0);
    lessor.attach(1n, 'foo');
    lessor.attach(1n, 'bar');
    lessor.detach(1n, 'foo');
    expect(lessor.lookup(1n)?.keys()).toEqual(['bar']);
    expect(lessor.lookup(1n)?.keyCount).toBe(1);
    expect(lessor.getLease('bar')).toBe(1n);
    expect(lessor.getLease('foo')).toBe(NO_LEASE);
  });

  it('refuses to attach to or detach from an unknown lease with ErrLeaseNotFound', () => {
    const { lessor } = newLessor();
    expect(errorCode(() => lessor.attach(1n, 'foo'))).toBe('ErrLeaseNotFound');
    expect(errorCode(() => lessor.detach(1n, 'foo'))).toBe('ErrLeaseNotFound');
    expect(lessor.getLease('foo')).toBe(NO_LEASE);
  });

  it('lists keys in byte order, bytes above 0x7f after ASCII', () => {
    const { lessor } = newLessor();
    lessor.grant(1n, 100, T0);
    for (const key of ['b', '\xff', 'a\x00', 'a', '\x80z']) lessor.attach(1n, key);
    expect(lessor.lookup(1n)?.keys()).toEqual(['a', 'a\x00', 'b', '\x80z', '\xff']);
  });

  it('moves a key between leases as the mvcc store does: detach from the old, attach to the new', () => {
    const { lessor } = newLessor();
    lessor.grant(1n, 100, T0);
    lessor.grant(2n, 100, T0);
    lessor.attach(1n, 'k');
    lessor.detach(lessor.getLease('k'), 'k');
    lessor.attach(2n, 'k');
    expect(lessor.lookup(1n)?.keys()).toEqual([]);
    expect(lessor.lookup(2n)?.keys()).toEqual(['k']);
    expect(lessor.getLease('k')).toBe(2n);
  });

  it('is the mvcc store\'s LeaseAttachments port as it is', () => {
    const { lessor } = newLessor();
    const port: LeaseAttachments = lessor;
    lessor.grant(7n, 100, T0);
    port.attach(7n, 'x');
    expect(lessor.getLease('x')).toBe(7n);
  });
});

describe('Lessor.revoke', () => {
  it('hands every attached key, sorted, to the deleter in one call, then the lease is gone (etcd TestLessorRevoke)', () => {
    const { lessor, store } = newLessor();
    lessor.grant(1n, 100, T0);
    lessor.attach(1n, 'foo');
    lessor.attach(1n, 'bar');
    const calls: (readonly string[])[] = [];
    const keys = lessor.revoke(1n, (k) => calls.push(k));
    expect(calls).toEqual([['bar', 'foo']]);
    expect(keys).toEqual(['bar', 'foo']);
    expect(lessor.lookup(1n)).toBeUndefined();
    expect(store.all()).toEqual([]);
    expect(lessor.getLease('foo')).toBe(NO_LEASE);
  });

  it('keeps the lease while the deleter runs, so the mvcc store can detach each key as it deletes it', () => {
    const { lessor } = newLessor();
    lessor.grant(1n, 100, T0);
    lessor.attach(1n, 'a');
    lessor.attach(1n, 'b');
    lessor.revoke(1n, (keys) => {
      for (const key of keys) lessor.detach(lessor.getLease(key), key);
    });
    expect(lessor.lookup(1n)).toBeUndefined();
    expect(lessor.getLease('a')).toBe(NO_LEASE);
  });

  it('leaves the lease in place when the deleter throws (the apply\'s transaction rolls back)', () => {
    const { lessor, store } = newLessor();
    lessor.grant(1n, 100, T0);
    lessor.attach(1n, 'a');
    expect(() =>
      lessor.revoke(1n, () => {
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(lessor.lookup(1n)?.keys()).toEqual(['a']);
    expect(store.all()).toHaveLength(1);
  });

  it('refuses an unknown lease with ErrLeaseNotFound', () => {
    const { lessor } = newLessor();
    expect(errorCode(() => lessor.revoke(1n))).toBe('ErrLeaseNotFound');
  });

  it('revokes a lease with no keys, and the ID may be granted again afterwards', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 10, T0);
    expect(lessor.revoke(1n)).toEqual([]);
    expect(lessor.grant(1n, 20, T0).ttl).toBe(20);
  });

  it('forgets a revoked lease\'s expiry on the primary', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 10, T0);
    lessor.revoke(1n);
    lessor.grant(1n, 100, T0 + 5_000);
    expect(lessor.expiredLeases(T0 + 11_000)).toEqual([]);
  });

  it('revokes an expired lease (etcd TestLessorExpire: an expired lease can be revoked)', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 5, T0);
    expect(lessor.expiredLeases(T0 + 5_000)).toEqual([1n]);
    lessor.revoke(1n);
    expect(errorCode(() => lessor.renew(1n, T0 + 5_000))).toBe('ErrLeaseNotFound');
  });
});
