import { describe, expect, it } from 'vitest';
import { json, newStore, thrown } from './helpers.ts';

describe('set', () => {
  it('creates a file and the dirs above it', () => {
    const { store } = newStore();
    const e = store.set('/a/b/c', false, 'v');
    expect(json(e)).toEqual({ action: 'set', node: { key: '/a/b/c', value: 'v', modifiedIndex: 1, createdIndex: 1 } });
    expect(store.get('/a').node).toMatchObject({ key: '/a', dir: true, createdIndex: 1, modifiedIndex: 1 });
    expect(e.etcdIndex).toBe(1);
  });

  it('replaces a file with a new node: new createdIndex, the old one as prevNode', () => {
    const { store } = newStore();
    store.set('/k', false, 'one');
    const e = store.set('/k', false, 'two');
    expect(json(e)).toEqual({
      action: 'set',
      node: { key: '/k', value: 'two', modifiedIndex: 2, createdIndex: 2 },
      prevNode: { key: '/k', value: 'one', modifiedIndex: 1, createdIndex: 1 },
    });
  });

  it('replaces a file by a dir when dir is set', () => {
    const { store } = newStore();
    store.set('/k', false, 'one');
    const e = store.set('/k', true, '');
    expect(json(e.node)).toEqual({ key: '/k', dir: true, modifiedIndex: 2, createdIndex: 2 });
    expect(e.prevNode?.value).toBe('one');
  });

  it('refuses to replace a dir: 102 Not a file', () => {
    const { store } = newStore();
    store.set('/d/x', false, '');
    expect(thrown(() => store.set('/d', false, 'v')).toJSON()).toEqual({ errorCode: 102, message: 'Not a file', cause: '/d', index: 1 });
    expect(thrown(() => store.set('/d', true, '')).errorCode).toBe(102);
  });

  it('refuses a file on the way: 104 naming it', () => {
    const { store } = newStore();
    store.set('/f', false, '');
    expect(thrown(() => store.set('/f/x', false, 'v')).toJSON()).toMatchObject({ errorCode: 104, cause: '/f' });
  });

  it('refuses the root and the namespace dirs: 107 with cause /', () => {
    const { store } = newStore(['/0', '/1']);
    for (const key of ['/', '/0', '/1', '/1/..']) {
      expect(thrown(() => store.set(key, false, 'v')).toJSON()).toEqual({ errorCode: 107, message: 'Root is read only', cause: '/', index: 0 });
    }
  });
});

describe('create', () => {
  it('creates a file', () => {
    const { store } = newStore();
    expect(json(store.create('/c', false, 'v', false))).toEqual({ action: 'create', node: { key: '/c', value: 'v', modifiedIndex: 1, createdIndex: 1 } });
  });

  it('creates a dir', () => {
    const { store } = newStore();
    expect(json(store.create('/d', true, '', false))).toEqual({ action: 'create', node: { key: '/d', dir: true, modifiedIndex: 1, createdIndex: 1 } });
  });

  it('fails with 105 when the key exists, file or dir', () => {
    const { store } = newStore();
    store.set('/c', false, 'v');
    store.set('/d/x', false, 'v');
    expect(thrown(() => store.create('/c', false, 'w', false)).toJSON()).toEqual({ errorCode: 105, message: 'Key already exists', cause: '/c', index: 2 });
    expect(thrown(() => store.create('/d', true, '', false)).toJSON()).toMatchObject({ errorCode: 105, cause: '/d' });
  });

  it('names an in-order key by its createdIndex, 20 digits zero-padded', () => {
    const { store } = newStore();
    store.set('/other', false, '');
    const e = store.create('/queue', false, 'job', true);
    expect(e.node.key).toBe('/queue/00000000000000000002');
    expect(e.node.createdIndex).toBe(2);
    const dir = store.create('/queue', true, '', true);
    expect(json(dir.node)).toEqual({ key: '/queue/00000000000000000003', dir: true, modifiedIndex: 3, createdIndex: 3 });
  });

  it('refuses an in-order key under a file: 104', () => {
    const { store } = newStore();
    store.set('/f', false, '');
    expect(thrown(() => store.create('/f', false, 'x', true)).toJSON()).toMatchObject({ errorCode: 104, cause: '/f' });
  });
});

describe('update', () => {
  it('changes the value in place: keeps createdIndex, new modifiedIndex, prevNode', () => {
    const { store } = newStore();
    store.set('/u', false, 'a');
    store.set('/x', false, '');
    expect(json(store.update('/u', 'b', {}))).toEqual({
      action: 'update',
      node: { key: '/u', value: 'b', modifiedIndex: 3, createdIndex: 1 },
      prevNode: { key: '/u', value: 'a', modifiedIndex: 1, createdIndex: 1 },
    });
    expect(store.get('/u').node).toMatchObject({ value: 'b', modifiedIndex: 3, createdIndex: 1 });
  });

  it('fails with 100 for a missing key', () => {
    const { store } = newStore();
    expect(thrown(() => store.update('/nope', 'v')).toJSON()).toEqual({ errorCode: 100, message: 'Key not found', cause: '/nope', index: 0 });
  });

  it('refuses a value on a dir: 102', () => {
    const { store } = newStore();
    store.set('/d', true, '');
    expect(thrown(() => store.update('/d', 'v')).toJSON()).toMatchObject({ errorCode: 102, cause: '/d' });
  });

  it('updates a dir without value, the dir keeping its modifiedIndex as etcd does', () => {
    const { store } = newStore();
    store.set('/d', true, '');
    const e = store.update('/d', '', {});
    expect(json(e)).toEqual({
      action: 'update',
      node: { key: '/d', dir: true, modifiedIndex: 2, createdIndex: 1 },
      prevNode: { key: '/d', dir: true, modifiedIndex: 1, createdIndex: 1 },
    });
    expect(store.get('/d').node.modifiedIndex).toBe(1);
    expect(store.index()).toBe(2);
  });

  it('refuses the root: 107', () => {
    const { store } = newStore(['/1']);
    expect(thrown(() => store.update('/1', '')).errorCode).toBe(107);
  });
});

describe('compareAndSwap', () => {
  const setup = () => {
    const r = newStore();
    r.store.set('/k', false, 'old'); // index 1
    r.store.set('/pad', false, ''); // index 2
    return r;
  };

  it('swaps when prevValue matches', () => {
    const { store } = setup();
    expect(json(store.compareAndSwap('/k', 'old', 0, 'new'))).toEqual({
      action: 'compareAndSwap',
      node: { key: '/k', value: 'new', modifiedIndex: 3, createdIndex: 1 },
      prevNode: { key: '/k', value: 'old', modifiedIndex: 1, createdIndex: 1 },
    });
  });

  it('swaps when prevIndex matches, and when both match', () => {
    const { store } = setup();
    expect(store.compareAndSwap('/k', '', 1, 'a').node.modifiedIndex).toBe(3);
    expect(store.compareAndSwap('/k', 'a', 3, 'b').node.value).toBe('b');
  });

  it('fails with 101 [prevValue != value]', () => {
    const { store } = setup();
    expect(thrown(() => store.compareAndSwap('/k', 'nope', 0, 'x')).toJSON()).toEqual({
      errorCode: 101, message: 'Compare failed', cause: '[nope != old]', index: 2,
    });
  });

  it('fails with 101 [prevIndex != modifiedIndex]', () => {
    const { store } = setup();
    expect(thrown(() => store.compareAndSwap('/k', '', 5, 'x')).cause).toBe('[5 != 1]');
  });

  it('fails with 101 naming both when both differ', () => {
    const { store } = setup();
    expect(thrown(() => store.compareAndSwap('/k', 'nope', 5, 'x')).cause).toBe('[nope != old] [5 != 1]');
  });

  it('fails with 101 naming only the value when the index matches', () => {
    const { store } = setup();
    expect(thrown(() => store.compareAndSwap('/k', 'nope', 1, 'x')).cause).toBe('[nope != old]');
    expect(thrown(() => store.compareAndSwap('/k', 'old', 2, 'x')).cause).toBe('[2 != 1]');
  });

  it('treats prevIndex 0 and prevValue "" as no condition', () => {
    const { store } = setup();
    expect(store.compareAndSwap('/k', '', 0, 'any').node.value).toBe('any');
  });

  it('fails with 100 for a missing key, 102 for a dir, 107 for the root', () => {
    const { store } = newStore(['/1']);
    store.set('/1/d/x', false, '');
    expect(thrown(() => store.compareAndSwap('/1/nope', 'a', 0, 'b')).toJSON()).toMatchObject({ errorCode: 100, cause: '/1/nope' });
    expect(thrown(() => store.compareAndSwap('/1/d', 'a', 0, 'b')).toJSON()).toMatchObject({ errorCode: 102, cause: '/1/d' });
    expect(thrown(() => store.compareAndSwap('/1', 'a', 0, 'b')).toJSON()).toMatchObject({ errorCode: 107, cause: '/' });
  });
});
