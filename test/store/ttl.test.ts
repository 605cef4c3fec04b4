import { describe, expect, it } from 'vitest';
import { json, newStore, thrown } from './helpers.ts';

const T0 = Date.UTC(2025, 0, 1);

describe('TTL', () => {
  it('renders expiration (RFC 3339 ns, UTC) and ttl against the clock, rounding ttl up', () => {
    const { store, clock } = newStore();
    const e = store.set('/t', false, 'v', { expireTime: T0 + 10_000 });
    expect(JSON.stringify(e.node)).toBe('{"key":"/t","value":"v","expiration":"2025-01-01T00:00:10Z","ttl":10,"modifiedIndex":1,"createdIndex":1}');
    clock.advance(2_500);
    expect(store.get('/t').node).toMatchObject({ expiration: '2025-01-01T00:00:10Z', ttl: 8 });
    clock.advance(499);
    expect(store.get('/t').node.ttl).toBe(8);
    clock.advance(1);
    expect(store.get('/t').node.ttl).toBe(7);
  });

  it('keeps sub-millisecond expiry precision in the expiration string', () => {
    const { store } = newStore();
    expect(store.set('/t', false, 'v', { expireTime: T0 + 5_000.5 }).node.expiration).toBe('2025-01-01T00:00:05.0005Z');
  });

  it('treats expiry times before 2000 as permanent on create/set (etcd minExpireTime)', () => {
    const { store } = newStore();
    const e = store.set('/t', false, 'v', { expireTime: 1_000 });
    expect(e.node.expiration).toBeUndefined();
    expect(store.hasTTLKeys()).toBe(false);
  });

  it('expires keys at or before the cutoff, one expire event and one index each', () => {
    const { store } = newStore();
    store.set('/a', false, '1', { expireTime: T0 + 1_000 });
    store.set('/b', false, '2', { expireTime: T0 + 2_000 });
    store.set('/c', false, '3', { expireTime: T0 + 3_000 });
    const events = store.deleteExpiredKeys(T0 + 2_000);
    expect(events.map((e) => [e.action, e.node.key, e.node.modifiedIndex, e.etcdIndex])).toEqual([
      ['expire', '/a', 4, 4],
      ['expire', '/b', 5, 5],
    ]);
    expect(json(events[0])).toEqual({
      action: 'expire',
      node: { key: '/a', modifiedIndex: 4, createdIndex: 1 },
      prevNode: { key: '/a', value: '1', expiration: '2025-01-01T00:00:01Z', ttl: 1, modifiedIndex: 1, createdIndex: 1 },
    });
    expect(store.index()).toBe(5);
    expect(thrown(() => store.get('/a')).errorCode).toBe(100);
    expect(store.get('/c').node.value).toBe('3');
    expect(store.statistics().expireCount).toBe(2);
  });

  it('shows a past-due ttl as etcd does until the next expiry pass (0 omitted, then negative)', () => {
    const { store, clock } = newStore();
    store.set('/a', false, '1', { expireTime: T0 + 1_000 });
    clock.advance(1_500);
    expect(store.get('/a').node.ttl).toBeUndefined();
    clock.advance(1_000);
    expect(store.get('/a').node.ttl).toBe(-1);
  });

  it('takes the children of an expiring dir along, with a single event', () => {
    const { store } = newStore();
    store.set('/d', true, '', { expireTime: T0 + 1_000 });
    store.set('/d/x', false, '1');
    store.set('/d/y', false, '2', { expireTime: T0 + 5_000 });
    const events = store.deleteExpiredKeys(T0 + 1_000);
    expect(events).toHaveLength(1);
    expect(json(events[0]?.node)).toEqual({ key: '/d', dir: true, modifiedIndex: 4, createdIndex: 1 });
    expect(store.hasTTLKeys()).toBe(false);
    expect(store.deleteExpiredKeys(T0 + 10_000)).toHaveLength(0);
  });

  it('clears a TTL when a write gives none (etcd ttl= empty makes the key permanent)', () => {
    const { store } = newStore();
    store.set('/k', false, 'a', { expireTime: T0 + 1_000 });
    const e = store.update('/k', 'b', {});
    expect(e.node.ttl).toBeUndefined();
    expect(e.prevNode?.ttl).toBe(1);
    expect(store.hasTTLKeys()).toBe(false);
    store.compareAndSwap('/k', 'b', 0, 'c', { expireTime: T0 + 1_000 });
    expect(store.hasTTLKeys()).toBe(true);
    store.compareAndSwap('/k', 'c', 0, 'd');
    expect(store.hasTTLKeys()).toBe(false);
  });

  it('moves a TTL with update and re-orders the expiry', () => {
    const { store } = newStore();
    store.set('/a', false, '1', { expireTime: T0 + 1_000 });
    store.set('/b', false, '2', { expireTime: T0 + 2_000 });
    store.update('/a', '1', { expireTime: T0 + 3_000 });
    expect(store.deleteExpiredKeys(T0 + 2_000).map((e) => e.node.key)).toEqual(['/b']);
    expect(store.nextExpiry()).toBe(T0 + 3_000);
  });

  it('gives a dir a TTL with update, children kept', () => {
    const { store } = newStore();
    store.set('/d/x', false, '1');
    const e = store.update('/d', '', { expireTime: T0 + 1_000 });
    expect(e.node).toMatchObject({ dir: true, ttl: 1 });
    expect(store.get('/d', true).node.nodes).toHaveLength(1);
  });

  it('refreshes a TTL with update: same value, createdIndex kept, refresh flag', () => {
    const { store } = newStore();
    store.set('/r', false, 'keep', { expireTime: T0 + 1_000 });
    const e = store.update('/r', '', { expireTime: T0 + 9_000, refresh: true });
    expect(json(e)).toEqual({
      action: 'update',
      node: { key: '/r', value: 'keep', expiration: '2025-01-01T00:00:09Z', ttl: 9, modifiedIndex: 2, createdIndex: 1 },
      prevNode: { key: '/r', value: 'keep', expiration: '2025-01-01T00:00:01Z', ttl: 1, modifiedIndex: 1, createdIndex: 1 },
      refresh: true,
    });
  });

  it('refreshes with set: value kept, but a new node as etcd makes it', () => {
    const { store } = newStore();
    store.set('/r', false, 'keep', { expireTime: T0 + 1_000 });
    const e = store.set('/r', false, '', { expireTime: T0 + 9_000, refresh: true });
    expect(e.node).toMatchObject({ value: 'keep', ttl: 9, createdIndex: 2 });
    expect(e.refresh).toBe(true);
  });

  it('refuses to refresh a missing key with set: 100', () => {
    const { store } = newStore();
    expect(thrown(() => store.set('/nope', false, '', { expireTime: T0 + 1_000, refresh: true })).errorCode).toBe(100);
  });

  it('refreshes with compareAndSwap keeping the value', () => {
    const { store } = newStore();
    store.set('/r', false, 'keep', { expireTime: T0 + 1_000 });
    const e = store.compareAndSwap('/r', 'keep', 0, '', { expireTime: T0 + 4_000, refresh: true });
    expect(e.node).toMatchObject({ value: 'keep', ttl: 4 });
    expect(e.refresh).toBe(true);
  });

  it('knows whether any key has a TTL', () => {
    const { store } = newStore();
    expect(store.hasTTLKeys()).toBe(false);
    store.set('/t', false, '', { expireTime: T0 + 1_000 });
    expect(store.hasTTLKeys()).toBe(true);
    store.delete('/t', false, false);
    expect(store.hasTTLKeys()).toBe(false);
    store.set('/t', false, '', { expireTime: T0 + 1_000 });
    store.set('/t', false, '');
    expect(store.hasTTLKeys()).toBe(false);
  });
});
