import { describe, expect, it } from 'vitest';
import { Store } from '../../src/store/index.ts';
import { FakeClock, json, newStore, thrown } from './helpers.ts';

const T0 = Date.UTC(2025, 0, 1);

function populated() {
  const r = newStore(['/0', '/1']);
  const { store } = r;
  store.set('/1/a', false, 'x');
  store.set('/1/dir/b', false, 'y', { expireTime: T0 + 5_000.25 });
  store.set('/1/_hidden', false, 'h');
  store.create('/1/q', false, 'job', true);
  store.set('/1/ttl-dir', true, '', { expireTime: T0 + 2_000 });
  store.update('/1/dir/b', '', { expireTime: T0 + 6_000, refresh: true });
  thrown(() => store.get('/1/nope'));
  return r;
}

describe('save and recover', () => {
  it('round-trips the tree, TTLs, history, index and stats', () => {
    const { store, clock } = populated();
    const snap = store.save();
    const copy = new Store({ clock, namespaces: ['/0', '/1'] });
    copy.recover(snap);
    expect(copy.save()).toBe(snap);
    expect(copy.index()).toBe(store.index());
    expect(json(copy.get('/1', true, true))).toEqual(json(store.get('/1', true, true)));
    expect(copy.statistics()).toEqual(store.statistics());
    expect(copy.hasTTLKeys()).toBe(true);
    expect(copy.deleteExpiredKeys(T0 + 6_000).map((e) => e.node.key)).toEqual(['/1/ttl-dir', '/1/dir/b']);
  });

  it('serves watches from the recovered history', () => {
    const { store, clock } = populated();
    const copy = new Store({ clock, namespaces: ['/0', '/1'] });
    copy.recover(store.save());
    const e = copy.watch('/1/a', false, false, 1).tryNext();
    expect(e?.node.key).toBe('/1/a');
    expect(e?.etcdIndex).toBe(store.index());
  });

  it('is a string in etcd\'s snapshot shape', () => {
    const { store } = populated();
    const data = JSON.parse(store.save());
    expect(Object.keys(data)).toEqual(['Root', 'WatcherHub', 'CurrentIndex', 'Stats', 'CurrentVersion']);
    expect(data.Root.Children['1'].Children.a).toEqual({
      Path: '/1/a', CreatedIndex: 1, ModifiedIndex: 1, ExpireTime: '0001-01-01T00:00:00Z', Value: 'x', Children: null,
    });
    expect(data.WatcherHub.EventHistory.Queue.Capacity).toBe(1000);
    expect(data.CurrentVersion).toBe(2);
  });

  it('loads a snapshot written by etcd (local time zones, ns precision)', () => {
    const etcdSnapshot = JSON.stringify({
      Root: {
        Path: '/', CreatedIndex: 0, ModifiedIndex: 0, ExpireTime: '0001-01-01T00:00:00Z', Value: '',
        Children: {
          '1': {
            Path: '/1', CreatedIndex: 0, ModifiedIndex: 0, ExpireTime: '0001-01-01T00:00:00Z', Value: '',
            Children: {
              k: { Path: '/1/k', CreatedIndex: 7, ModifiedIndex: 8, ExpireTime: '2025-01-01T01:00:05.5+01:00', Value: 'v', Children: null },
            },
          },
        },
      },
      WatcherHub: { EventHistory: { Queue: { Events: [null, null], Size: 0, Front: 0, Back: 0, Capacity: 2 }, StartIndex: 0, LastIndex: 0 } },
      CurrentIndex: 8,
      Stats: { getsSuccess: 3, watchers: 9 },
      CurrentVersion: 2,
    });
    const clock = new FakeClock();
    const store = new Store({ clock, namespaces: ['/0', '/1'] });
    store.recover(etcdSnapshot);
    expect(store.get('/1/k').node).toMatchObject({ value: 'v', ttl: 6, modifiedIndex: 8, createdIndex: 7 });
    expect(store.index()).toBe(8);
    expect(store.statistics()).toMatchObject({ getsSuccess: 4, watchers: 0 });
  });

  it('keeps registered watchers across a recovery, as etcd does', () => {
    const { store, clock } = populated();
    const other = new Store({ clock, namespaces: ['/0', '/1'] });
    const w = other.watch('/1/a', false, false, 0);
    other.recover(store.save());
    other.set('/1/a', false, 'after');
    expect(w.tryNext()?.node.value).toBe('after');
  });

  it('refuses what is not a snapshot', () => {
    const { store } = newStore();
    expect(() => store.recover('[]')).toThrow();
    expect(() => store.recover('{"Root":{"Path":"/","ExpireTime":"soon","Children":{}}}')).toThrow(/bad time/);
  });
});

describe('clone', () => {
  it('copies the state without watchers; the copies then diverge', () => {
    const { store } = populated();
    const w = store.watch('/1/a', false, false, 0);
    const copy = store.clone();
    expect(copy.save()).toBe(store.save());
    expect(copy.statistics().watchers).toBe(0);
    copy.set('/1/a', false, 'copy');
    expect(store.get('/1/a').node.value).toBe('x');
    expect(w.tryNext()).toBeUndefined();
  });
});
