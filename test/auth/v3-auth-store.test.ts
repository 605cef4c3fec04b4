import { describe, expect, it } from 'vitest';
import { SimpleTokens, tokenIndex, V3AuthError, V3AuthStore, type AuthInfo } from '../../src/auth/index.ts';
import { goSort } from '../../src/server/v3/go-sort.ts';
import { MemoryAuthBackend } from '../helpers/memory-auth-backend.ts';

/** The v3 auth store (src/auth/v3/auth-store.ts) as etcd 3.4's auth/store.go behaves. */

function store(): { s: V3AuthStore; backend: MemoryAuthBackend } {
  const backend = new MemoryAuthBackend();
  return { s: new V3AuthStore(backend, goSort), backend };
}

function code(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof V3AuthError) return error.code;
    throw error;
  }
}

/** root with the root role, auth on. */
function enabled(): { s: V3AuthStore; backend: MemoryAuthBackend } {
  const made = store();
  made.s.userAdd('root', 'hash', false);
  made.s.userGrantRole('root', 'root');
  made.s.authEnable();
  return made;
}

const as = (s: V3AuthStore, username: string): AuthInfo => ({ username, revision: s.revision() });

describe('the v3 auth store', () => {
  it('enables only with a root user holding the root role, and enabling twice is no error', () => {
    const { s } = store();
    expect(code(() => s.authEnable())).toBe('ErrRootUserNotExist');
    s.userAdd('root', 'h', false);
    expect(code(() => s.authEnable())).toBe('ErrRootRoleNotExist');
    s.userGrantRole('root', 'root');
    s.authEnable();
    expect(s.isEnabled()).toBe(true);
    expect(code(() => s.authEnable())).toBeUndefined();
  });

  it('keeps root and its root role while auth is on, and lets them go once it is off', () => {
    const { s } = enabled();
    expect(code(() => s.userDelete('root'))).toBe('ErrInvalidAuthMgmt');
    expect(code(() => s.userRevokeRole('root', 'root'))).toBe('ErrInvalidAuthMgmt');
    expect(code(() => s.roleDelete('root'))).toBe('ErrInvalidAuthMgmt');
    s.authDisable();
    s.userRevokeRole('root', 'root');
    // The root role is built in, never stored: deleting it finds nothing.
    expect(code(() => s.roleDelete('root'))).toBe('ErrRoleNotFound');
    s.userDelete('root');
    expect(s.userList()).toEqual([]);
  });

  it("answers etcd's errors for missing, duplicate and empty names", () => {
    const { s } = store();
    expect(code(() => s.userAdd('', 'h', false))).toBe('ErrUserEmpty');
    expect(code(() => s.roleAdd(''))).toBe('ErrRoleEmpty');
    s.userAdd('u', 'h', false);
    expect(code(() => s.userAdd('u', 'h', false))).toBe('ErrUserAlreadyExist');
    s.roleAdd('r');
    expect(code(() => s.roleAdd('r'))).toBe('ErrRoleAlreadyExist');
    expect(code(() => s.userGrantRole('nobody', 'r'))).toBe('ErrUserNotFound');
    expect(code(() => s.userGrantRole('u', 'nothing'))).toBe('ErrRoleNotFound');
    expect(code(() => s.userRevokeRole('u', 'r'))).toBe('ErrRoleNotGranted');
    expect(code(() => s.roleRevokePermission('r', 'k', ''))).toBe('ErrPermissionNotGranted');
    expect(code(() => s.userGet('nobody'))).toBe('ErrUserNotFound');
    expect(code(() => s.roleGet('nothing'))).toBe('ErrRoleNotFound');
  });

  it('moves the revision once per change, not for enabling, a repeated grant or a refusal', () => {
    const { s } = store();
    expect(s.revision()).toBe(1);
    s.userAdd('root', 'h', false);
    s.userGrantRole('root', 'root');
    expect(s.revision()).toBe(3);
    s.userGrantRole('root', 'root');
    expect(code(() => s.userAdd('root', 'h', false))).toBe('ErrUserAlreadyExist');
    s.authEnable();
    expect(s.revision()).toBe(3);
    s.authDisable();
    expect(s.revision()).toBe(4);
  });

  it('sorts a user\'s roles and a role\'s permissions by key, updating a permission with the same key and range end in place', () => {
    const { s } = store();
    s.userAdd('u', 'h', false);
    for (const r of ['zeta', 'alpha', 'mid']) {
      s.roleAdd(r);
      s.userGrantRole('u', r);
    }
    expect(s.userGet('u')).toEqual(['alpha', 'mid', 'zeta']);
    s.roleGrantPermission('alpha', { permType: 'READ', key: 'k', rangeEnd: '' });
    s.roleGrantPermission('alpha', { permType: 'READ', key: 'b', rangeEnd: 'c' });
    s.roleGrantPermission('alpha', { permType: 'WRITE', key: 'k', rangeEnd: '' });
    s.roleGrantPermission('alpha', { permType: 'READ', key: 'k', rangeEnd: 'l' });
    expect(s.roleGet('alpha')).toEqual([
      { permType: 'READ', key: 'b', rangeEnd: 'c' },
      { permType: 'WRITE', key: 'k', rangeEnd: '' },
      { permType: 'READ', key: 'k', rangeEnd: 'l' },
    ]);
  });

  it('takes a deleted role from every user holding it', () => {
    const { s } = store();
    s.roleAdd('r');
    for (const u of ['a', 'b']) {
      s.userAdd(u, 'h', false);
      s.userGrantRole(u, 'r');
    }
    s.roleDelete('r');
    expect(s.userGet('a')).toEqual([]);
    expect(s.userGet('b')).toEqual([]);
  });

  it("checks a request's keys with auth on: no user, an old revision, no permission are each etcd's error", () => {
    const { s } = enabled();
    s.roleAdd('reader');
    s.roleGrantPermission('reader', { permType: 'READ', key: 'a/', rangeEnd: 'a0' });
    s.roleGrantPermission('reader', { permType: 'READWRITE', key: 'w', rangeEnd: '' });
    s.userAdd('u', 'h', false);
    s.userGrantRole('u', 'reader');
    const u = as(s, 'u');
    expect(code(() => s.isRangePermitted(undefined, 'a/x', ''))).toBe('ErrUserEmpty');
    expect(code(() => s.isRangePermitted(u, 'a/x', ''))).toBeUndefined();
    expect(code(() => s.isRangePermitted(u, 'a/', 'a0'))).toBeUndefined();
    expect(code(() => s.isRangePermitted(u, 'a/', 'b'))).toBe('ErrPermissionDenied');
    expect(code(() => s.isPutPermitted(u, 'a/x'))).toBe('ErrPermissionDenied');
    expect(code(() => s.isPutPermitted(u, 'w'))).toBeUndefined();
    expect(code(() => s.isRangePermitted({ username: 'ghost', revision: s.revision() }, 'w', ''))).toBe('ErrPermissionDenied');
    expect(code(() => s.isRangePermitted(as(s, 'root'), 'anything', '\0'))).toBeUndefined();
    s.roleAdd('other');
    expect(code(() => s.isRangePermitted(u, 'a/x', ''))).toBe('ErrAuthOldRevision');
  });

  it('lets everything through with auth off, whoever asks', () => {
    const { s } = store();
    expect(code(() => s.isPutPermitted(undefined, 'k'))).toBeUndefined();
    expect(code(() => s.isAdminPermitted(undefined))).toBeUndefined();
  });

  it('needs a stored user holding the root role for admin requests', () => {
    const { s } = enabled();
    s.userAdd('u', 'h', false);
    expect(code(() => s.isAdminPermitted(undefined))).toBe('ErrUserEmpty');
    expect(code(() => s.isAdminPermitted({ username: 'ghost', revision: 0 }))).toBe('ErrUserNotFound');
    expect(code(() => s.isAdminPermitted(as(s, 'u')))).toBe('ErrPermissionDenied');
    expect(code(() => s.isAdminPermitted(as(s, 'root')))).toBeUndefined();
  });

  it("refuses a login as a no-password user with etcd's own words, and only with auth on", () => {
    const { s } = store();
    s.userAdd('np', 'ignored', true);
    expect(code(() => s.loginCandidate('np'))).toBe('ErrAuthNotEnabled');
    s.userAdd('root', 'h', false);
    s.userGrantRole('root', 'root');
    s.authEnable();
    expect(code(() => s.loginCandidate('np'))).toBe('ErrNoPasswordUser');
    expect(code(() => s.loginCandidate('nobody'))).toBe('ErrAuthFailed');
    // It keeps no hash, and a new password does not make it one that logs in.
    s.userChangePassword('np', 'newhash');
    expect(code(() => s.loginCandidate('np'))).toBe('ErrNoPasswordUser');
    expect(code(() => s.authenticate('np', 'p', 9, 0))).toBe('ErrAuthFailed');
  });

  it('gives a token made of the prefix and the entry index; deleting the user, a new password or turning auth off drops it', () => {
    const { s } = enabled();
    s.userAdd('u', 'h', false);
    const token = s.authenticate('u', 'abcdefghijklmnop', 42, 1_000);
    expect(token).toBe('abcdefghijklmnop.42');
    expect(s.authInfoFromToken(token, 2_000, 42)).toEqual({ username: 'u', revision: s.revision() });
    s.userChangePassword('u', 'h2');
    expect(code(() => s.authInfoFromToken(token, 2_000, 42))).toBe('ErrInvalidAuthToken');
    const again = s.authenticate('u', 'bbbbbbbbbbbbbbbb', 50, 1_000);
    s.authDisable();
    expect(code(() => s.authInfoFromToken(again, 2_000, 50))).toBe('ErrInvalidAuthToken');
  });

  it('survives a restart from its backend, tokens excepted (they live in memory, as etcd keeps them)', () => {
    const { s, backend } = enabled();
    s.userAdd('u', 'h', false);
    const token = s.authenticate('u', 'abcdefghijklmnop', 7, 0);
    const restarted = new V3AuthStore(backend, goSort);
    expect(restarted.isEnabled()).toBe(true);
    expect(restarted.revision()).toBe(s.revision());
    expect(restarted.userList()).toEqual(['root', 'u']);
    expect(code(() => restarted.authInfoFromToken(token, 0, 7))).toBe('ErrInvalidAuthToken');
  });

  it('installs a snapshot over whatever it held', () => {
    const source = enabled().s;
    source.roleAdd('r');
    source.roleGrantPermission('r', { permType: 'READ', key: 'k', rangeEnd: '' });
    const { s } = store();
    s.userAdd('stale', 'h', false);
    s.install(source.snapshot());
    expect(s.userList()).toEqual(['root']);
    expect(s.roleGet('r')).toEqual([{ permType: 'READ', key: 'k', rangeEnd: '' }]);
    expect(s.isEnabled()).toBe(true);
    expect(s.revision()).toBe(source.revision());
  });
});

describe('simple tokens', () => {
  it('live for the TTL after their last use on this member, and are renewed by each use', () => {
    const tokens = new SimpleTokens(300_000);
    tokens.enable();
    const token = tokens.assign('p'.repeat(16), 3, 'u', 0);
    expect(tokens.info(token, 299_000, 3)).toBe('u');
    expect(tokens.info(token, 598_000, 3)).toBe('u');
    expect(tokens.info(token, 898_001, 3)).toBeUndefined();
  });

  it("refuses at once a token naming a log index not applied here (etcd would hold the request)", () => {
    const tokens = new SimpleTokens();
    tokens.enable();
    const token = tokens.assign('p'.repeat(16), 10, 'u', 0);
    expect(tokens.info(token, 0, 9)).toBeUndefined();
    expect(tokens.info(token, 0, 10)).toBe('u');
    expect(tokens.info('x.99999999999', 0, 10)).toBeUndefined();
  });

  it("reads the index as Go's strconv.Atoi does, after exactly one dot", () => {
    expect(tokenIndex('abc.12')).toBe(12);
    expect(tokenIndex('abc.+12')).toBe(12);
    expect(tokenIndex('abc.007')).toBe(7);
    expect(tokenIndex('abc.-1')).toBe(Number.POSITIVE_INFINITY);
    for (const bad of ['abc', 'a.b.1', 'abc.', 'abc.1x', 'abc. 1', 'Bearer abc', 'abc.99999999999999999999']) expect(tokenIndex(bad), bad).toBeUndefined();
  });

  it('assigns nothing while auth is off', () => {
    const tokens = new SimpleTokens();
    const token = tokens.assign('p'.repeat(16), 1, 'u', 0);
    expect(tokens.info(token, 0, 1)).toBeUndefined();
  });
});
