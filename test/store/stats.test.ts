import { describe, expect, it } from 'vitest';
import type { StoreStats } from '../../src/store/index.ts';
import { newStore, thrown } from './helpers.ts';

const zero: StoreStats = {
  getsSuccess: 0, getsFail: 0, setsSuccess: 0, setsFail: 0, deleteSuccess: 0, deleteFail: 0,
  updateSuccess: 0, updateFail: 0, createSuccess: 0, createFail: 0, compareAndSwapSuccess: 0,
  compareAndSwapFail: 0, compareAndDeleteSuccess: 0, compareAndDeleteFail: 0, expireCount: 0, watchers: 0,
};

describe('stats', () => {
  it('shows /v2/stats/store\'s fields in etcd\'s order', () => {
    const { store } = newStore();
    expect(store.jsonStats()).toBe(JSON.stringify(zero));
  });

  it('counts a peek as the get it stands for, and finds what get finds', () => {
    const { store } = newStore();
    store.set('/a/b', false, 'v');
    expect(store.peek('/a/b')).toEqual({ found: true, dir: false, value: 'v' });
    expect(store.peek('/nope')).toEqual({ found: false });
    expect(store.peek('/a/b/c')).toEqual({ found: false });
    // A dir is left to get (which lists it), so it is counted there, once.
    expect(store.peek('/a')).toEqual({ found: true, dir: true });
    expect(store.stats.getsSuccess).toBe(1);
    expect(store.stats.getsFail).toBe(2);
  });

  it('counts successes and failures of each operation', () => {
    const { store } = newStore();
    store.set('/a', false, '1');
    thrown(() => store.set('/a/b', false, ''));
    store.get('/a');
    thrown(() => store.get('/nope'));
    store.create('/c', false, '', false);
    thrown(() => store.create('/c', false, '', false));
    store.update('/c', 'x');
    thrown(() => store.update('/nope', 'x'));
    store.compareAndSwap('/c', 'x', 0, 'y');
    thrown(() => store.compareAndSwap('/c', 'x', 0, 'y'));
    store.compareAndDelete('/c', 'y', 0);
    thrown(() => store.compareAndDelete('/nope', 'y', 0));
    store.delete('/a', false, false);
    thrown(() => store.delete('/a', false, false));
    expect(store.statistics()).toEqual({
      ...zero,
      getsSuccess: 1, getsFail: 1, setsSuccess: 1, setsFail: 1, createSuccess: 1, createFail: 1,
      updateSuccess: 1, updateFail: 1, compareAndSwapSuccess: 1, compareAndSwapFail: 1,
      compareAndDeleteSuccess: 1, compareAndDeleteFail: 1, deleteSuccess: 1, deleteFail: 1,
    });
  });

  it('counts a create failing on a file in its path as a failed create and a failed set', () => {
    const { store } = newStore();
    store.set('/f', false, '');
    thrown(() => store.create('/f/x', false, '', false));
    expect(store.statistics()).toMatchObject({ setsSuccess: 1, setsFail: 1, createFail: 1 });
  });

  it('counts as successes the failures etcd returns without recording them', () => {
    const { store } = newStore(['/1']);
    store.set('/1/d', true, '');
    store.set('/1/k', false, 'v');
    thrown(() => store.delete('/1', true, true)); // 107
    thrown(() => store.update('/1', '')); // 107
    thrown(() => store.update('/1/d', 'v')); // 102
    thrown(() => store.compareAndSwap('/1', 'a', 0, '')); // 107
    thrown(() => store.compareAndDelete('/1/d', 'a', 0)); // 102
    thrown(() => store.compareAndDelete('/1/k', 'a', 0)); // 101
    expect(store.statistics()).toMatchObject({
      deleteSuccess: 1, deleteFail: 0, updateSuccess: 2, updateFail: 0,
      compareAndSwapSuccess: 1, compareAndSwapFail: 0, compareAndDeleteSuccess: 2, compareAndDeleteFail: 0,
    });
  });

  it('counts expired nodes', () => {
    const { store } = newStore();
    const t = Date.UTC(2025, 0, 1);
    store.set('/a', false, '', { expireTime: t });
    store.set('/b', true, '', { expireTime: t });
    store.deleteExpiredKeys(t);
    expect(store.statistics().expireCount).toBe(2);
  });
});
