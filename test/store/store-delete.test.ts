import { describe, expect, it } from 'vitest';
import { json, newStore, thrown } from './helpers.ts';

describe('delete', () => {
  it('deletes a file: the event at the next index, the file as prevNode', () => {
    const { store } = newStore();
    store.set('/f', false, 'v');
    const e = store.delete('/f', false, false);
    expect(json(e)).toEqual({
      action: 'delete',
      node: { key: '/f', modifiedIndex: 2, createdIndex: 1 },
      prevNode: { key: '/f', value: 'v', modifiedIndex: 1, createdIndex: 1 },
    });
    expect(e.etcdIndex).toBe(2);
    expect(thrown(() => store.get('/f')).errorCode).toBe(100);
  });

  it('deletes a file whatever the dir flag says', () => {
    const { store } = newStore();
    store.set('/f', false, 'v');
    expect(store.delete('/f', true, false).action).toBe('delete');
  });

  it('refuses a dir without dir=true: 102', () => {
    const { store } = newStore();
    store.set('/d', true, '');
    expect(thrown(() => store.delete('/d', false, false)).toJSON()).toEqual({ errorCode: 102, message: 'Not a file', cause: '/d', index: 1 });
  });

  it('deletes an empty dir with dir=true', () => {
    const { store } = newStore();
    store.set('/d', true, '');
    expect(json(store.delete('/d', true, false))).toEqual({
      action: 'delete',
      node: { key: '/d', dir: true, modifiedIndex: 2, createdIndex: 1 },
      prevNode: { key: '/d', dir: true, modifiedIndex: 1, createdIndex: 1 },
    });
  });

  it('refuses a non-empty dir without recursive: 108', () => {
    const { store } = newStore();
    store.set('/d/x', false, '');
    expect(thrown(() => store.delete('/d', true, false)).toJSON()).toEqual({ errorCode: 108, message: 'Directory not empty', cause: '/d', index: 1 });
  });

  it('deletes a dir and everything below with recursive (which implies dir)', () => {
    const { store } = newStore();
    store.set('/d/a/b', false, '');
    store.set('/d/c', false, '');
    store.set('/d/_h', false, '');
    const e = store.delete('/d', false, true);
    expect(e.node).toEqual({ key: '/d', dir: true, modifiedIndex: 4, createdIndex: 1 });
    expect(thrown(() => store.get('/d/a/b')).toJSON()).toMatchObject({ errorCode: 100, cause: '/d' });
  });

  it('fails with 100 for a missing key and 107 for the root', () => {
    const { store } = newStore(['/0', '/1']);
    expect(thrown(() => store.delete('/1/nope', false, false)).toJSON()).toMatchObject({ errorCode: 100, cause: '/1/nope' });
    expect(thrown(() => store.delete('/1', true, true)).toJSON()).toEqual({ errorCode: 107, message: 'Root is read only', cause: '/', index: 0 });
    expect(thrown(() => store.delete('/', true, true)).errorCode).toBe(107);
  });
});

describe('compareAndDelete', () => {
  it('deletes when prevValue matches', () => {
    const { store } = newStore();
    store.set('/k', false, 'v');
    expect(json(store.compareAndDelete('/k', 'v', 0))).toEqual({
      action: 'compareAndDelete',
      node: { key: '/k', modifiedIndex: 2, createdIndex: 1 },
      prevNode: { key: '/k', value: 'v', modifiedIndex: 1, createdIndex: 1 },
    });
  });

  it('deletes when prevIndex matches', () => {
    const { store } = newStore();
    store.set('/k', false, 'v');
    expect(store.compareAndDelete('/k', '', 1).action).toBe('compareAndDelete');
  });

  it('fails with 101 and etcd\'s causes when the comparison fails', () => {
    const { store } = newStore();
    store.set('/k', false, 'v');
    expect(thrown(() => store.compareAndDelete('/k', 'x', 0)).toJSON()).toEqual({ errorCode: 101, message: 'Compare failed', cause: '[x != v]', index: 1 });
    expect(thrown(() => store.compareAndDelete('/k', '', 7)).cause).toBe('[7 != 1]');
    expect(thrown(() => store.compareAndDelete('/k', 'x', 7)).cause).toBe('[x != v] [7 != 1]');
    expect(store.get('/k').node.value).toBe('v');
  });

  it('refuses a dir with 102, the namespace dirs included (no read-only check in etcd)', () => {
    const { store } = newStore(['/1']);
    store.set('/1/d', true, '');
    expect(thrown(() => store.compareAndDelete('/1/d', 'x', 0)).toJSON()).toMatchObject({ errorCode: 102, cause: '/1/d' });
    expect(thrown(() => store.compareAndDelete('/1', 'x', 0)).toJSON()).toMatchObject({ errorCode: 102, cause: '/1' });
  });

  it('fails with 100 for a missing key', () => {
    const { store } = newStore();
    expect(thrown(() => store.compareAndDelete('/nope', 'x', 0)).toJSON()).toMatchObject({ errorCode: 100, cause: '/nope' });
  });
});
