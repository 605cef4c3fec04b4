import { describe, expect, it } from 'vitest';
import { isTombstoneKey, parseRevisionKey, revisionKey, REVISION_KEY_LENGTH } from '../../src/mvcc/index.ts';
import { RevisionSet } from '../../src/mvcc/revision-set.ts';

describe('revision keys', () => {
  it('encode main and sub big-endian around an underscore, 17 bytes, as etcd revToBytes', () => {
    const key = revisionKey({ main: 0x0102030405, sub: 7 });
    expect(key.length).toBe(REVISION_KEY_LENGTH);
    expect([...key].map((c) => c.charCodeAt(0))).toEqual([0, 0, 0, 1, 2, 3, 4, 5, 0x5f, 0, 0, 0, 0, 0, 0, 0, 7]);
  });

  it('decode back to the revision and sort bytewise in (main, sub) order', () => {
    const revs = [
      { main: 0, sub: 0 },
      { main: 1, sub: 0 },
      { main: 1, sub: 1 },
      { main: 2, sub: 0 },
      { main: 2 ** 32, sub: 255 },
      { main: Number.MAX_SAFE_INTEGER, sub: Number.MAX_SAFE_INTEGER },
    ];
    const keys = revs.map((r) => revisionKey(r));
    keys.forEach((k, i) => expect(parseRevisionKey(k)).toEqual(revs[i]));
    for (let i = 0; i + 1 < keys.length; i++) expect(keys[i]! < keys[i + 1]!).toBe(true);
  });

  it("mark a tombstone with a trailing 't'", () => {
    const key = revisionKey({ main: 3, sub: 1 }, true);
    expect(key.length).toBe(18);
    expect(key.endsWith('t')).toBe(true);
    expect(isTombstoneKey(key)).toBe(true);
    expect(isTombstoneKey(revisionKey({ main: 3, sub: 1 }))).toBe(false);
    expect(parseRevisionKey(key)).toEqual({ main: 3, sub: 1 });
  });

  it('refuse revisions a uint64 key cannot carry exactly here', () => {
    expect(() => revisionKey({ main: -1, sub: 0 })).toThrow();
    expect(() => revisionKey({ main: 2 ** 53, sub: 0 })).toThrow();
  });
});

describe('RevisionSet', () => {
  it('holds revisions by main and sub, counting each once', () => {
    const set = new RevisionSet();
    set.add({ main: 4, sub: 0 });
    set.add({ main: 4, sub: 0 });
    set.add({ main: 4, sub: 2 });
    set.add({ main: 1, sub: 0 });
    expect(set.size).toBe(3);
    expect(set.has({ main: 4, sub: 2 })).toBe(true);
    expect(set.has({ main: 4, sub: 1 })).toBe(false);
    set.delete({ main: 4, sub: 0 });
    set.delete({ main: 9, sub: 0 });
    expect(set.size).toBe(2);
    expect(set.sorted()).toEqual([{ main: 1, sub: 0 }, { main: 4, sub: 2 }]);
  });
});
