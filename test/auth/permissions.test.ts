import { describe, expect, it } from 'vitest';
import { AuthError, type Role } from '../../src/auth/index.ts';
import { hasKeyAccess, hasRecursiveAccess, mergeRole, sameRole } from '../../src/auth/v2/permissions.ts';

const role = (read: string[] | null, write: string[] | null = null, name = 'r'): Role => ({ role: name, permissions: { kv: { read, write } }, grant: null, revoke: null });

describe("etcd's key patterns", () => {
  it('match a key exactly, or as a prefix when they end in *', () => {
    const r = role(['/foo*', '/bar']);
    expect(hasKeyAccess(r, '/foo', false)).toBe(true);
    expect(hasKeyAccess(r, '/foobar/baz', false)).toBe(true);
    expect(hasKeyAccess(r, '/bar', false)).toBe(true);
    expect(hasKeyAccess(r, '/bar/x', false)).toBe(false);
    expect(hasKeyAccess(r, '/fo', false)).toBe(false);
    // Read patterns grant no write.
    expect(hasKeyAccess(r, '/foo', true)).toBe(false);
  });

  it('cover a recursive request only with a prefix pattern', () => {
    const r = role(['/foo*', '/bar'], ['/w/*']);
    expect(hasRecursiveAccess(r, '/foo/x', false)).toBe(true);
    expect(hasRecursiveAccess(r, '/bar', false)).toBe(false);
    expect(hasRecursiveAccess(r, '/w/a', true)).toBe(true);
    expect(hasRecursiveAccess(r, '/w', true)).toBe(false);
  });

  it('give the root role every key, whatever its stored patterns', () => {
    expect(hasKeyAccess(role(null, null, 'root'), '/anything', true)).toBe(true);
    expect(hasRecursiveAccess(role([], [], 'root'), '/', true)).toBe(true);
  });

  it('match nothing with an empty pattern (etcd panics on one: a hardening)', () => {
    const r = role(['', '/a*'], ['']);
    expect(hasKeyAccess(r, '/a', false)).toBe(true);
    expect(hasKeyAccess(r, '', false)).toBe(false);
    expect(hasKeyAccess(r, '/x', true)).toBe(false);
    expect(hasRecursiveAccess(r, '/x', false)).toBe(false);
  });
});

describe('merging a grant or revoke into a role', () => {
  it('adds grants, sorted, and refuses one already granted', () => {
    const merged = mergeRole(role(['/b']), { ...role(null), grant: { kv: { read: ['/a'], write: ['/w'] } } });
    expect(merged.permissions.kv).toEqual({ read: ['/a', '/b'], write: ['/w'] });
    expect(() => mergeRole(role(['/b']), { ...role(null), grant: { kv: { read: ['/b'], write: null } } })).toThrow(new AuthError(409, 'auth: Granting duplicate read permission /b'));
  });

  it('ignores a revoke of what was never granted, and turns nil lists empty once touched', () => {
    const merged = mergeRole(role(null, ['/w']), { ...role(null), revoke: { kv: { read: ['/nope'], write: null } } });
    expect(merged.permissions.kv).toEqual({ read: [], write: ['/w'] });
  });

  it('sorts by code point, as Go sorts the UTF-8 bytes', () => {
    const merged = mergeRole(role(null), { ...role(null), grant: { kv: { read: ['/\u{1f600}', '/\uffff', '/b', '/B'], write: null } } });
    expect(merged.permissions.kv.read).toEqual(['/B', '/b', '/\uffff', '/\u{1f600}']);
  });

  it("compares roles as reflect.DeepEqual does: nil is not empty", () => {
    expect(sameRole(role(null), role([]))).toBe(false);
    expect(sameRole(role(['/a']), role(['/a']))).toBe(true);
    expect(sameRole({ ...role(null), grant: { kv: { read: null, write: null } } }, role(null))).toBe(false);
  });
});
