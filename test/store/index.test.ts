import { describe, expect, it } from 'vitest';
import { newStore, thrown } from './helpers.ts';

const T0 = Date.UTC(2025, 0, 1);

describe('index arithmetic', () => {
  it('starts at 0 and takes one index per successful write', () => {
    const { store } = newStore(['/0', '/1']);
    expect(store.index()).toBe(0);
    store.set('/a', false, '1');
    store.create('/b', false, '1', false);
    store.create('/q', false, '1', true);
    store.update('/a', '2');
    store.compareAndSwap('/a', '2', 0, '3');
    store.compareAndDelete('/a', '3', 0);
    store.delete('/b', false, false);
    expect(store.index()).toBe(7);
  });

  it('takes no index for reads, watches and failures', () => {
    const { store } = newStore(['/1']);
    store.set('/a', false, '1');
    store.get('/a');
    store.watch('/a', false, false, 0).remove();
    thrown(() => store.create('/a', false, '', false));
    thrown(() => store.compareAndSwap('/a', 'x', 0, ''));
    thrown(() => store.delete('/nope', false, false));
    thrown(() => store.update('/1', ''));
    thrown(() => store.set('/a/b', false, ''));
    expect(store.index()).toBe(1);
  });

  it('takes one index per expired node', () => {
    const { store } = newStore();
    store.set('/a', false, '', { expireTime: T0 + 1 });
    store.set('/b', false, '', { expireTime: T0 + 1 });
    store.deleteExpiredKeys(T0 + 1);
    expect(store.index()).toBe(4);
  });

  it('takes one index for a refresh', () => {
    const { store } = newStore();
    store.set('/a', false, 'v', { expireTime: T0 + 1_000 });
    store.update('/a', '', { expireTime: T0 + 2_000, refresh: true });
    expect(store.index()).toBe(2);
  });

  it('reports the index of an error as the current index', () => {
    const { store } = newStore();
    store.set('/a', false, '1');
    store.set('/b', false, '1');
    expect(thrown(() => store.get('/zz')).index).toBe(2);
  });

  it('makes missing parent dirs at the index of the write that needs them', () => {
    const { store } = newStore();
    store.set('/x', false, '');
    store.set('/p/q/r', false, '');
    expect(store.get('/p/q').node).toMatchObject({ createdIndex: 2, modifiedIndex: 2 });
  });
});
