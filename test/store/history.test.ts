import { describe, expect, it } from 'vitest';
import { HISTORY_CAPACITY, HISTORY_VALUE_CHARS } from '../../src/store/index.ts';
import { newStore, thrown } from './helpers.ts';

describe('event history', () => {
  it('keeps the last 1000 events', () => {
    const { store } = newStore();
    for (let i = 0; i < 1500; i++) store.set(`/k${i % 7}`, false, String(i));
    const h = store.hub.history;
    expect(HISTORY_CAPACITY).toBe(1000);
    expect(h.queue.size).toBe(1000);
    expect(h.startIndex).toBe(501);
    expect(h.lastIndex).toBe(1500);
  });

  it('keeps at most HISTORY_VALUE_CHARS of values, dropping the oldest events first (a 128 MB member)', () => {
    const { store } = newStore();
    const mib = 'x'.repeat(1024 * 1024);
    // Each overwrite's event holds the new value and the previous one: 2 MiB.
    for (let i = 0; i < 40; i++) store.set('/big', false, `${i}${mib}`);
    const h = store.hub.history;
    expect(HISTORY_VALUE_CHARS).toBe(16 * 1024 * 1024);
    expect(h.queue.size).toBeLessThanOrEqual(8);
    expect(h.lastIndex).toBe(40);
    expect(h.startIndex).toBe(40 - h.queue.size + 1);
    expect(thrown(() => h.scan('/big', false, 30))).toMatchObject({ errorCode: 401 });
    expect(h.scan('/big', false, 40)?.node.value?.startsWith('39')).toBe(true);
    // Small writes after it fill the history again up to its 1,000 events.
    for (let i = 0; i < 1000; i++) store.set(`/k${i % 7}`, false, String(i));
    expect(h.queue.size).toBe(1000);
  });

  it('finds the first matching event at or after an index', () => {
    const { store } = newStore();
    const h = store.hub.history;
    store.set('/a', false, '1'); // 1
    store.set('/b', false, '1'); // 2
    store.set('/a', false, '2'); // 3
    expect(h.scan('/a', false, 1)?.index).toBe(1);
    expect(h.scan('/a', false, 2)?.index).toBe(3);
    expect(h.scan('/a', false, 4)).toBeUndefined();
    expect(h.scan('/', true, 2)?.node.key).toBe('/b');
  });

  it('matches keys under a recursive prefix only at a component boundary', () => {
    const { store } = newStore();
    store.set('/foobar', false, ''); // 1
    store.set('/foo/x', false, ''); // 2
    expect(store.hub.history.scan('/foo', true, 1)?.node.key).toBe('/foo/x');
  });

  it('matches the deletion or expiry of a dir for keys below it', () => {
    const { store } = newStore();
    store.set('/d/x/y', false, ''); // 1
    store.delete('/d', true, true); // 2
    expect(store.hub.history.scan('/d/x/y', false, 2)?.action).toBe('delete');
  });

  it('skips refresh events', () => {
    const { store } = newStore();
    const t = Date.UTC(2025, 0, 1);
    store.set('/r', false, 'v', { expireTime: t + 1_000 }); // 1
    store.update('/r', '', { expireTime: t + 2_000, refresh: true }); // 2
    store.set('/r', false, 'w'); // 3
    expect(store.hub.history.scan('/r', false, 2)?.index).toBe(3);
  });

  it('throws 401 with etcd\'s exact cause for an index that was cleared', () => {
    const { store } = newStore();
    for (let i = 0; i < 1010; i++) store.set('/k', false, String(i));
    const e = thrown(() => store.watch('/k', false, false, 5));
    expect(e.toJSON()).toEqual({
      errorCode: 401,
      message: 'The event in requested index is outdated and cleared',
      cause: 'the requested history has been cleared [11/5]',
      index: 1010,
    });
    expect(e.status).toBe(400);
  });
});
