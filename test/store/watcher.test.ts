import { describe, expect, it } from 'vitest';
import { WATCHER_BUFFER } from '../../src/store/index.ts';
import { json, newStore, thrown } from './helpers.ts';

const T0 = Date.UTC(2025, 0, 1);

describe('watch', () => {
  it('reports the index at watch start and the next event on the key, then is done', async () => {
    const { store } = newStore();
    store.set('/x', false, '');
    const w = store.watch('/foo', false, false, 0);
    expect(w.startIndex).toBe(1);
    expect(store.statistics().watchers).toBe(1);
    store.set('/foo', false, 'bar');
    const e = await w.next();
    expect(json(e)).toEqual({ action: 'set', node: { key: '/foo', value: 'bar', modifiedIndex: 2, createdIndex: 2 } });
    expect(await w.next()).toBeUndefined();
    expect(store.statistics().watchers).toBe(0);
  });

  it('delivers to a waiting reader', async () => {
    const { store } = newStore();
    const w = store.watch('/foo', false, false, 0);
    const pending = w.next();
    store.set('/foo', false, 'v');
    expect((await pending)?.node.value).toBe('v');
  });

  it('ignores events on other keys and below the key unless recursive', () => {
    const { store } = newStore();
    const w = store.watch('/foo', false, false, 0);
    store.set('/foobar', false, '');
    store.set('/foo/child', false, '');
    expect(w.tryNext()).toBeUndefined();
    const r = store.watch('/foo', true, false, 0);
    store.set('/foo/child2', false, '');
    expect(r.tryNext()?.node.key).toBe('/foo/child2');
    expect(w.tryNext()).toBeUndefined();
  });

  it('wakes recursive watchers of every dir above the key, and only at component boundaries', () => {
    const { store } = newStore();
    const ws = ['/', '/a', '/a/b', '/a/b/c'].map((k) => store.watch(k, true, false, 0));
    const sibling = store.watch('/a/bc', true, false, 0);
    store.set('/a/b/c', false, '');
    expect(ws.map((w) => w.tryNext()?.node.key)).toEqual(['/a/b/c', '/a/b/c', '/a/b/c', '/a/b/c']);
    expect(sibling.tryNext()).toBeUndefined();
  });

  it('answers from the history when sinceIndex is in the past, reporting the current index', () => {
    const { store } = newStore();
    store.set('/foo', false, 'a'); // 1
    store.set('/bar', false, 'b'); // 2
    const w = store.watch('/foo', false, false, 1);
    const e = w.tryNext();
    expect(e?.node.modifiedIndex).toBe(1);
    expect(e?.etcdIndex).toBe(2);
    expect(w.startIndex).toBe(2);
    expect(store.statistics().watchers).toBe(0);
    expect(w.done).toBe(true);
  });

  it('waits for a future sinceIndex', async () => {
    const { store } = newStore();
    const w = store.watch('/foo', false, false, 3);
    store.set('/foo', false, 'a'); // 1
    store.set('/foo', false, 'b'); // 2
    store.set('/foo', false, 'c'); // 3
    expect((await w.next())?.node.value).toBe('c');
  });

  it('streams every event until removed', async () => {
    const { store } = newStore();
    const w = store.watch('/s', true, true, 0);
    store.set('/s/a', false, '1');
    store.set('/s/b', false, '2');
    expect((await w.next())?.node.key).toBe('/s/a');
    expect((await w.next())?.node.key).toBe('/s/b');
    const pending = w.next();
    w.remove();
    expect(await pending).toBeUndefined();
    expect(store.statistics().watchers).toBe(0);
    store.set('/s/c', false, '');
    expect(await w.next()).toBeUndefined();
  });

  it('gives a stream answered from the history that one event only, as etcd does', () => {
    const { store } = newStore();
    store.set('/s', false, '1');
    const w = store.watch('/s', false, true, 1);
    expect(w.tryNext()?.node.value).toBe('1');
    store.set('/s', false, '2');
    expect(w.tryNext()).toBeUndefined();
    expect(w.done).toBe(false);
  });

  it('wakes watchers of keys under a deleted dir, recursive or not', () => {
    const { store } = newStore();
    store.set('/d/a/b', false, '');
    const deep = store.watch('/d/a/b', false, false, 0);
    const mid = store.watch('/d/a', false, false, 0);
    const other = store.watch('/e', false, false, 0);
    store.delete('/d', true, true);
    expect(deep.tryNext()?.node.key).toBe('/d');
    expect(mid.tryNext()?.action).toBe('delete');
    expect(other.tryNext()).toBeUndefined();
  });

  it('wakes watchers of keys under an expired dir', () => {
    const { store } = newStore();
    store.set('/d', true, '', { expireTime: T0 + 1 });
    store.set('/d/x', false, '');
    const w = store.watch('/d/x', false, false, 0);
    store.deleteExpiredKeys(T0 + 1);
    expect(w.tryNext()?.action).toBe('expire');
  });

  it('tells a stream watcher of a deleted key twice, as etcd does', () => {
    const { store } = newStore();
    store.set('/foo', false, '1');
    const w = store.watch('/foo', false, true, 0);
    store.delete('/foo', false, false);
    expect(w.tryNext()?.action).toBe('delete');
    expect(w.tryNext()?.action).toBe('delete');
    expect(w.tryNext()).toBeUndefined();
  });

  it('wakes nobody on a refresh', () => {
    const { store } = newStore();
    store.set('/r', false, 'v', { expireTime: T0 + 1_000 });
    const w = store.watch('/r', true, true, 0);
    store.update('/r', '', { expireTime: T0 + 5_000, refresh: true });
    store.set('/r', false, '', { expireTime: T0 + 5_000, refresh: true });
    store.compareAndSwap('/r', 'v', 0, '', { expireTime: T0 + 5_000, refresh: true });
    expect(w.tryNext()).toBeUndefined();
    store.set('/r', false, 'changed');
    expect(w.tryNext()?.node.value).toBe('changed');
  });

  it('skips hidden keys for recursive watchers, not for direct ones', () => {
    const { store } = newStore();
    const all = store.watch('/', true, true, 0);
    const dir = store.watch('/d', true, true, 0);
    const direct = store.watch('/d/_h', false, true, 0);
    const inHidden = store.watch('/_dir', true, true, 0);
    store.set('/d/_h', false, '1');
    store.set('/_dir/x', false, '1');
    store.set('/d/_h2/deep', false, '1');
    expect(all.tryNext()).toBeUndefined();
    expect(dir.tryNext()).toBeUndefined();
    expect(direct.tryNext()?.node.key).toBe('/d/_h');
    expect(inHidden.tryNext()?.node.key).toBe('/_dir/x');
  });

  it('drops a stream watcher whose buffer overflows; it ends after the buffered events', async () => {
    const { store } = newStore();
    const w = store.watch('/o', false, true, 0);
    for (let i = 0; i <= WATCHER_BUFFER; i++) store.set('/o', false, String(i));
    expect(store.statistics().watchers).toBe(0);
    expect(w.pending).toBe(WATCHER_BUFFER);
    let n = 0;
    while ((await w.next()) !== undefined) n++;
    expect(n).toBe(WATCHER_BUFFER);
  });

  it('keeps a stream watcher whose reader keeps up', async () => {
    const { store } = newStore();
    const w = store.watch('/o', false, true, 0);
    for (let i = 0; i < 3 * WATCHER_BUFFER; i++) {
      store.set('/o', false, String(i));
      await w.next();
    }
    expect(store.statistics().watchers).toBe(1);
  });

  it('counts registered watchers in stats', () => {
    const { store } = newStore();
    const ws = [store.watch('/a', false, false, 0), store.watch('/a', false, true, 0), store.watch('/b', true, false, 0)];
    expect(store.statistics().watchers).toBe(3);
    store.set('/a', false, '');
    expect(store.statistics().watchers).toBe(2);
    ws[1]?.remove();
    ws[1]?.remove();
    expect(store.statistics().watchers).toBe(1);
    expect(JSON.parse(store.jsonStats()).watchers).toBe(1);
  });

  it('normalises the watched key and refuses a cleared index with 401', () => {
    const { store } = newStore();
    const w = store.watch('foo/', false, false, 0);
    store.set('/foo', false, '');
    expect(w.tryNext()?.node.key).toBe('/foo');
    for (let i = 0; i < 1001; i++) store.set('/x', false, '');
    expect(thrown(() => store.watch('/x', false, false, 1)).errorCode).toBe(401);
  });
});
