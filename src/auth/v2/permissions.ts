import { AuthError, ROOT_ROLE_NAME, type Permissions, type Role, type RWPermission } from './types.ts';

/**
 * Key patterns and their grants (etcd v2auth `RWPermission`, `Permissions`, `Role.merge`): a
 * pattern is a key, or a prefix when it ends in `*` (`/foo*` covers `/foo`, `/foobar`,
 * `/foo/bar`); nothing else is special.
 */

/**
 * `Role.HasKeyAccess`: the root role reaches every key; another role when one of its read (or
 * write) patterns matches the key.
 */
export function hasKeyAccess(role: Role, key: string, write: boolean): boolean {
  if (role.role === ROOT_ROLE_NAME) return true;
  return patterns(role.permissions.kv, write).some((pattern) => simpleMatch(pattern, key));
}

/**
 * `Role.HasRecursiveAccess`, for recursive reads and deletes: only a prefix pattern can cover
 * everything under a key, so a pattern without `*` never does.
 */
export function hasRecursiveAccess(role: Role, key: string, write: boolean): boolean {
  if (role.role === ROOT_ROLE_NAME) return true;
  return patterns(role.permissions.kv, write).some((pattern) => prefixMatch(pattern, key));
}

function patterns(kv: RWPermission, write: boolean): readonly string[] {
  return (write ? kv.write : kv.read) ?? [];
}

/**
 * etcd's `simpleMatch`. Hardening: etcd indexes `pattern[len(pattern)-1]`, so an empty pattern
 * (which a role may be given) panics its handler and the client's connection is dropped; here an
 * empty pattern matches no key.
 */
function simpleMatch(pattern: string, key: string): boolean {
  if (pattern === '') return false;
  if (pattern.endsWith('*')) return key.startsWith(pattern.slice(0, -1));
  return key === pattern;
}

/** etcd's `prefixMatch`, with the same hardening for an empty pattern. */
function prefixMatch(pattern: string, key: string): boolean {
  if (pattern === '' || !pattern.endsWith('*')) return false;
  return key.startsWith(pattern.slice(0, -1));
}

/** `Role.merge`: the grant applied, then the revoke; the result has no grant or revoke of its own. */
export function mergeRole(old: Role, update: Role): Role {
  if (old.role !== update.role) {
    throw new AuthError(409, `auth: Merging role with conflicting names: ${old.role} ${update.role}`);
  }
  const granted = update.grant === null ? old.permissions : { kv: grantPatterns(old.permissions.kv, update.grant.kv) };
  const revoked = update.revoke === null ? granted : { kv: revokePatterns(granted.kv, update.revoke.kv) };
  return { role: old.role, permissions: revoked, grant: null, revoke: null };
}

/** `RWPermission.Grant`: a pattern already granted is a conflict; the lists come back sorted. */
function grantPatterns(current: RWPermission, grant: RWPermission): RWPermission {
  const read = new Set(current.read ?? []);
  for (const r of grant.read ?? []) {
    if (read.has(r)) throw new AuthError(409, `auth: Granting duplicate read permission ${r}`);
    read.add(r);
  }
  const write = new Set(current.write ?? []);
  for (const w of grant.write ?? []) {
    if (write.has(w)) throw new AuthError(409, `auth: Granting duplicate write permission ${w}`);
    write.add(w);
  }
  return { read: goSortStrings([...read]), write: goSortStrings([...write]) };
}

/** `RWPermission.Revoke`: revoking a pattern that was not granted is ignored (etcd only logs it). */
function revokePatterns(current: RWPermission, revoke: RWPermission): RWPermission {
  const read = new Set(current.read ?? []);
  for (const r of revoke.read ?? []) read.delete(r);
  const write = new Set(current.write ?? []);
  for (const w of revoke.write ?? []) write.delete(w);
  return { read: goSortStrings([...read]), write: goSortStrings([...write]) };
}

/** Go's `sort.Strings`: byte order of the UTF-8, which is code point order. */
export function goSortStrings(values: string[]): string[] {
  return values.sort(compareCodePoints);
}

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** `reflect.DeepEqual` of two roles, which tells nil slices and pointers from empty ones. */
export function sameRole(a: Role, b: Role): boolean {
  return a.role === b.role && samePermissions(a.permissions, b.permissions) && samePointer(a.grant, b.grant) && samePointer(a.revoke, b.revoke);
}

function samePointer(a: Permissions | null, b: Permissions | null): boolean {
  if (a === null || b === null) return a === b;
  return samePermissions(a, b);
}

function samePermissions(a: Permissions, b: Permissions): boolean {
  return sameSlice(a.kv.read, b.kv.read) && sameSlice(a.kv.write, b.kv.write);
}

/** `reflect.DeepEqual` of two `[]string`: nil equals only nil. */
export function sameSlice(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
