import { describe, expect, it } from 'vitest';
import { KeyTree, secondsLeft } from '../../src/ui/model/key-tree.ts';

const listing = {
  dir: true,
  nodes: [
    { key: '/a', dir: true, modifiedIndex: 5, createdIndex: 5, nodes: [{ key: '/a/b', value: '1', modifiedIndex: 5, createdIndex: 5 }] },
    { key: '/z', value: 'last', modifiedIndex: 6, createdIndex: 6 },
  ],
};

describe("the console's copy of the keyspace", () => {
  it('is built from a recursive listing, dirs first then by key', () => {
    const tree = KeyTree.fromListing(listing, 9, 0);
    expect(tree.index).toBe(9);
    expect(tree.size).toBe(3);
    expect(tree.children('/').map((n) => n.key)).toEqual(['/a', '/z']);
    expect(tree.children('/a').map((n) => [n.key, n.value])).toEqual([['/a/b', '1']]);
  });

  it('follows set, update and create events, making the dirs on a new key\'s path', () => {
    const tree = KeyTree.fromListing(listing, 9, 0);
    expect(tree.apply({ action: 'set', node: { key: '/x/y/z', value: 'deep', modifiedIndex: 10, createdIndex: 10 } }, 0)).toEqual(['/x/y/z']);
    expect(tree.get('/x')?.dir).toBe(true);
    expect(tree.get('/x/y')?.dir).toBe(true);
    tree.apply({ action: 'update', node: { key: '/a/b', value: '2', modifiedIndex: 11, createdIndex: 5 } }, 0);
    expect(tree.get('/a/b')).toMatchObject({ value: '2', modifiedIndex: 11, createdIndex: 5 });
    expect(tree.index).toBe(11);
  });

  it('drops a deleted or expired dir with everything under it', () => {
    const tree = KeyTree.fromListing(listing, 9, 0);
    expect(tree.apply({ action: 'delete', node: { key: '/a', dir: true, modifiedIndex: 12, createdIndex: 5 } }, 0).sort()).toEqual(['/a', '/a/b']);
    tree.apply({ action: 'expire', node: { key: '/z', modifiedIndex: 13, createdIndex: 6 } }, 0);
    expect(tree.size).toBe(0);
    expect(tree.index).toBe(13);
  });

  it("counts a TTL down by the page's own clock from when it learned it", () => {
    const tree = KeyTree.fromListing({ dir: true }, 1, 0);
    tree.apply({ action: 'set', node: { key: '/t', value: 'v', ttl: 4, expiration: '2000-01-01T00:00:00Z', modifiedIndex: 2, createdIndex: 2 } }, 10_000);
    const node = tree.get('/t')!;
    expect(secondsLeft(node, 10_000)).toBe(4);
    expect(secondsLeft(node, 11_500)).toBe(3);
    expect(secondsLeft(node, 20_000)).toBe(0);
    expect(secondsLeft({ key: '/p', dir: false, modifiedIndex: 1, createdIndex: 1 }, 0)).toBeUndefined();
  });

  it('is built from the parts a user may read: dirs read whole, dirs listed, dirs marked no access', () => {
    const tree = new KeyTree();
    // GET /?sorted=true (one level), then /public/?recursive=true; /secret refused.
    tree.addListing({ key: '/', dir: true, nodes: [{ key: '/public', dir: true, modifiedIndex: 3, createdIndex: 3 }, { key: '/secret', dir: true, modifiedIndex: 4, createdIndex: 4 }, { key: '/top', value: 't', modifiedIndex: 5, createdIndex: 5 }] }, 7, 0);
    tree.addListing({ key: '/public', dir: true, modifiedIndex: 3, createdIndex: 3, nodes: [{ key: '/public/a', value: '1', modifiedIndex: 3, createdIndex: 3 }] }, 8, 0);
    tree.watchRoots.push({ dir: '/public', index: 8 });
    tree.markDenied('/secret');
    expect(tree.children('/').map((n) => [n.key, n.denied === true])).toEqual([['/public', false], ['/secret', true], ['/top', false]]);
    expect(tree.children('/public').map((n) => n.key)).toEqual(['/public/a']);
    expect(tree.index).toBe(8);
    // A dir never listed (a user who may not list /) is made, with its parents, and marked.
    tree.markDenied('/deep/er');
    expect(tree.get('/deep')?.dir).toBe(true);
    expect(tree.get('/deep/er')).toMatchObject({ dir: true, denied: true });
  });
});
