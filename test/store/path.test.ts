import { describe, expect, it } from 'vitest';
import { clean, normalizeKey } from '../../src/store/path.ts';
import { newStore } from './helpers.ts';

describe('keys are normalised like Go path.Clean(path.Join("/", key))', () => {
  it.each([
    ['foo', '/foo'],
    ['/foo/', '/foo'],
    ['//foo//bar', '/foo/bar'],
    ['/foo/./bar', '/foo/bar'],
    ['/foo/../bar', '/bar'],
    ['/../../foo', '/foo'],
    ['', '/'],
    ['/', '/'],
    ['/.hidden/x', '/.hidden/x'],
    ['/a/b/..', '/a'],
  ])('%j names %j', (key, want) => {
    expect(normalizeKey(key)).toBe(want);
  });

  it('cleans relative paths as Go does', () => {
    expect(clean('')).toBe('.');
    expect(clean('a/../..')).toBe('..');
    expect(clean('./a/')).toBe('a');
  });

  it('reaches the same node whatever the spelling of its key', () => {
    const { store } = newStore();
    store.set('foo/bar/', false, 'v');
    expect(store.get('//foo/./bar').node.value).toBe('v');
    expect(store.get('/x/../foo/bar').node.key).toBe('/foo/bar');
  });
});
