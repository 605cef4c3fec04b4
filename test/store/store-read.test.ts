import { describe, expect, it } from 'vitest';
import { compareUTF8 } from '../../src/store/index.ts';
import { json, newStore, thrown } from './helpers.ts';

describe('get', () => {
  it('reads a file with its value and indexes; etcdIndex is the current index', () => {
    const { store } = newStore();
    store.set('/foo', false, 'bar');
    store.set('/other', false, 'x');
    const e = store.get('/foo');
    expect(json(e)).toEqual({ action: 'get', node: { key: '/foo', value: 'bar', modifiedIndex: 1, createdIndex: 1 } });
    expect(e.etcdIndex).toBe(2);
  });

  it('lists a dir one level deep, child dirs without their contents', () => {
    const { store } = newStore();
    store.set('/d/a', false, '1');
    store.set('/d/sub/b', false, '2');
    const e = store.get('/d', false, true);
    expect(JSON.stringify(e)).toBe(
      '{"action":"get","node":{"key":"/d","dir":true,"nodes":[' +
        '{"key":"/d/a","value":"1","modifiedIndex":1,"createdIndex":1},' +
        '{"key":"/d/sub","dir":true,"modifiedIndex":2,"createdIndex":2}' +
        '],"modifiedIndex":1,"createdIndex":1}}',
    );
  });

  it('lists a dir all the way down when recursive', () => {
    const { store } = newStore();
    store.set('/d/sub/b', false, '2');
    expect(json(store.get('/d', true, true).node)).toEqual({
      key: '/d',
      dir: true,
      nodes: [{ key: '/d/sub', dir: true, nodes: [{ key: '/d/sub/b', value: '2', modifiedIndex: 1, createdIndex: 1 }], modifiedIndex: 1, createdIndex: 1 }],
      modifiedIndex: 1,
      createdIndex: 1,
    });
  });

  it('shows an empty dir without a nodes field (Go omitempty)', () => {
    const { store } = newStore();
    store.set('/empty', true, '');
    expect(JSON.stringify(store.get('/empty').node)).toBe('{"key":"/empty","dir":true,"modifiedIndex":1,"createdIndex":1}');
  });

  it('shows an empty value as "" and never a dir field on files', () => {
    const { store } = newStore();
    store.set('/f', false, '');
    expect(JSON.stringify(store.get('/f').node)).toBe('{"key":"/f","value":"","modifiedIndex":1,"createdIndex":1}');
  });

  it('sorts in UTF-8 byte order, not UTF-16 order', () => {
    const { store } = newStore();
    const names = ['b', 'a', 'B', '\u{1F600}', '\uFF21', 'é', 'a0', '_x'];
    for (const n of names) store.set(`/s/${n}`, false, n);
    const keys = (store.get('/s', false, true).node.nodes ?? []).map((n) => n.key.slice(3));
    // U+FF21 (EF BC A1) sorts before U+1F600 (F0 9F 98 80) in UTF-8, after it in UTF-16.
    expect(keys).toEqual(['B', 'a', 'a0', 'b', 'é', '\uFF21', '\u{1F600}']);
    expect(compareUTF8('\uFF21', '\u{1F600}')).toBeLessThan(0);
    expect('\uFF21' < '\u{1F600}').toBe(false);
  });

  it('sorts every level of a recursive sorted listing', () => {
    const { store } = newStore();
    for (const k of ['/r/z/2', '/r/z/1', '/r/a']) store.set(k, false, '');
    const node = store.get('/r', true, true).node;
    expect(node.nodes?.map((n) => n.key)).toEqual(['/r/a', '/r/z']);
    expect(node.nodes?.[1]?.nodes?.map((n) => n.key)).toEqual(['/r/z/1', '/r/z/2']);
  });

  it('hides keys whose name starts with _ from listings, but reads them directly', () => {
    const { store } = newStore();
    store.set('/h/_hidden', false, 'secret');
    store.set('/h/_hdir/x', false, 'deep');
    store.set('/h/shown', false, 'v');
    expect(store.get('/h', true, true).node.nodes?.map((n) => n.key)).toEqual(['/h/shown']);
    expect(store.get('/h/_hidden').node.value).toBe('secret');
    expect(store.get('/h/_hdir', true).node.nodes?.map((n) => n.key)).toEqual(['/h/_hdir/x']);
  });

  it('fails with 100 naming the first missing component', () => {
    const { store } = newStore();
    store.set('/a/b', false, '1');
    const e = thrown(() => store.get('/a/x/y/z'));
    expect(e.toJSON()).toEqual({ errorCode: 100, message: 'Key not found', cause: '/a/x', index: 1 });
  });

  it('fails with 104 naming the file met on the way', () => {
    const { store } = newStore();
    store.set('/a/b', false, '1');
    expect(thrown(() => store.get('/a/b/c')).toJSON()).toEqual({ errorCode: 104, message: 'Not a directory', cause: '/a/b', index: 1 });
  });

  it('reads the root, and the namespace dirs at index 0 without indexes', () => {
    const { store } = newStore(['/0', '/1']);
    expect(JSON.stringify(store.get('/1').node)).toBe('{"key":"/1","dir":true}');
    expect(store.get('/', false, true).node.nodes?.map((n) => n.key)).toEqual(['/0', '/1']);
  });
});

describe('events as the v2 HTTP API shows them', () => {
  it('trims the /1 key prefix from node, prevNode and listings; the emptied root key is absent', () => {
    const { store } = newStore(['/0', '/1']);
    store.set('/1/d/k', false, 'v');
    store.set('/1/d/k', false, 'w');
    expect(JSON.stringify(store.get('/1').trimPrefix('/1'))).toBe(
      '{"action":"get","node":{"dir":true,"nodes":[{"key":"/d","dir":true,"modifiedIndex":1,"createdIndex":1}]}}',
    );
    const e = store.set('/1/d/k', false, 'x').trimPrefix('/1');
    expect(e.node.key).toBe('/d/k');
    expect(e.prevNode?.key).toBe('/d/k');
    expect(e.etcdIndex).toBe(3);
  });

  it('drops the refresh flag when trimming, as etcd answers from a clone', () => {
    const { store } = newStore(['/1']);
    const t = Date.UTC(2025, 0, 1);
    store.set('/1/r', false, 'v', { expireTime: t + 1_000 });
    const e = store.update('/1/r', '', { expireTime: t + 2_000, refresh: true });
    expect(e.refresh).toBe(true);
    expect(JSON.stringify(e.trimPrefix('/1'))).not.toContain('refresh');
  });
});
