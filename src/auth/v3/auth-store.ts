import { goSortStrings } from '../v2/permissions.ts';
import type { V3AuthBackend } from './backend.ts';
import { authError } from './errors.ts';
import { UnifiedPermissions } from './range-permissions.ts';
import { DEFAULT_TOKEN_TTL_MS, SimpleTokens } from './simple-token.ts';
import { ROOT_ROLE, ROOT_USER, type AuthInfo, type AuthSnapshot, type Permission, type StoredUser } from './types.ts';

/** Go's `sort.Sort` with a `less`, handed in (the server has it step for step: it is not stable). */
export type GoSort = <T>(items: T[], less: (a: T, b: T) => boolean) => T[];

/**
 * etcd 3.4's v3 auth store (auth/store.go) as it is applied from the log: users, roles and their
 * key permissions, the switch and the auth revision, in the member's backend; the simple tokens
 * and each user's merged permissions in memory. Every member applies the same entries to it and
 * reaches the same state and the same answers; each method throws etcd's error where etcd returns
 * one. Passwords arrive hashed (the member that took the request hashed them before proposing),
 * so nothing here is random or slow.
 *
 * The revision counts changes, as etcd's does: every successful write but enabling (etcd leaves it)
 * moves it by one. A request checked at one revision and applied at a later one is refused
 * (`ErrAuthOldRevision`), so a permission revoked meanwhile is never used.
 */
export class V3AuthStore {
  readonly tokens: SimpleTokens;
  private enabled = false;
  private rev = 1;
  /** Each user's merged permissions, built when first asked for; dropped at every change. */
  private readonly permissions = new Map<string, UnifiedPermissions>();

  constructor(
    private readonly backend: V3AuthBackend,
    private readonly sort: GoSort,
    tokenTtlMs = DEFAULT_TOKEN_TTL_MS,
  ) {
    this.tokens = new SimpleTokens(tokenTtlMs);
    this.recover();
  }

  /** `Recover`: the switch and the revision from the backend (a fresh store is at revision 1). */
  recover(): void {
    const meta = this.backend.meta();
    this.enabled = meta?.enabled ?? false;
    this.rev = meta?.revision ?? 1;
    this.permissions.clear();
    if (this.enabled) this.tokens.enable();
    else this.tokens.disable();
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  revision(): number {
    return this.rev;
  }

  // ---- the switch ----

  /** `AuthEnable`: needs a root user holding the root role; enabling twice is no error. */
  authEnable(): void {
    if (this.enabled) return;
    const root = this.backend.user(ROOT_USER);
    if (root === undefined) throw authError('ErrRootUserNotExist');
    if (!hasRootRole(root)) throw authError('ErrRootRoleNotExist');
    this.backend.putMeta({ enabled: true, revision: this.rev });
    this.enabled = true;
    this.tokens.enable();
    this.permissions.clear();
  }

  /** `AuthDisable`: every token goes; disabling twice is no error (and no change). */
  authDisable(): void {
    if (!this.enabled) return;
    this.enabled = false;
    this.commit();
    this.tokens.disable();
  }

  // ---- users ----

  userAdd(name: string, hashedPassword: string, noPassword: boolean): void {
    if (name === '') throw authError('ErrUserEmpty');
    if (this.backend.user(name) !== undefined) throw authError('ErrUserAlreadyExist');
    this.backend.putUser({ name, password: noPassword ? '' : hashedPassword, roles: [], noPassword });
    this.commit();
  }

  userDelete(name: string): void {
    if (this.enabled && name === ROOT_USER) throw authError('ErrInvalidAuthMgmt');
    if (this.backend.user(name) === undefined) throw authError('ErrUserNotFound');
    this.backend.deleteUser(name);
    this.commit();
    this.tokens.invalidateUser(name);
  }

  /** A new password (hashed); a no-password user keeps its option (and still cannot log in). */
  userChangePassword(name: string, hashedPassword: string): void {
    const user = this.backend.user(name);
    if (user === undefined) throw authError('ErrUserNotFound');
    this.backend.putUser({ ...user, password: hashedPassword });
    this.commit();
    this.tokens.invalidateUser(name);
  }

  /** The root role is built in: it can be granted without existing as a stored role. */
  userGrantRole(name: string, role: string): void {
    const user = this.backend.user(name);
    if (user === undefined) throw authError('ErrUserNotFound');
    if (role !== ROOT_ROLE && this.backend.role(role) === undefined) throw authError('ErrRoleNotFound');
    // Granted already: etcd logs it and answers success, changing nothing.
    if (user.roles.includes(role)) return;
    this.backend.putUser({ ...user, roles: goSortStrings([...user.roles, role]) });
    this.commit();
  }

  userRevokeRole(name: string, role: string): void {
    if (this.enabled && name === ROOT_USER && role === ROOT_ROLE) throw authError('ErrInvalidAuthMgmt');
    const user = this.backend.user(name);
    if (user === undefined) throw authError('ErrUserNotFound');
    const roles = user.roles.filter((r) => r !== role);
    if (roles.length === user.roles.length) throw authError('ErrRoleNotGranted');
    this.backend.putUser({ ...user, roles });
    this.commit();
  }

  userGet(name: string): string[] {
    const user = this.backend.user(name);
    if (user === undefined) throw authError('ErrUserNotFound');
    return [...user.roles];
  }

  userList(): string[] {
    return this.backend.users().map((u) => u.name);
  }

  /**
   * For a login (`CheckPassword`, before the Authenticate entry is proposed): the user's stored
   * hash and the revision it was read at.
   */
  loginCandidate(name: string): { password: string; revision: number } {
    if (!this.enabled) throw authError('ErrAuthNotEnabled');
    const user = this.backend.user(name);
    if (user === undefined) throw authError('ErrAuthFailed');
    if (user.noPassword) throw authError('ErrNoPasswordUser');
    return { password: user.password, revision: this.rev };
  }

  // ---- roles ----

  roleAdd(name: string): void {
    if (name === '') throw authError('ErrRoleEmpty');
    if (this.backend.role(name) !== undefined) throw authError('ErrRoleAlreadyExist');
    this.backend.putRole({ name, keyPermission: [] });
    this.commit();
  }

  /** The root role is never stored, so it is not found here (as in etcd). */
  roleGet(name: string): Permission[] {
    const role = this.backend.role(name);
    if (role === undefined) throw authError('ErrRoleNotFound');
    return role.keyPermission.map((p) => ({ ...p }));
  }

  roleList(): string[] {
    return this.backend.roles().map((r) => r.name);
  }

  /** Deleting a role also takes it from every user holding it. */
  roleDelete(name: string): void {
    if (this.enabled && name === ROOT_ROLE) throw authError('ErrInvalidAuthMgmt');
    if (this.backend.role(name) === undefined) throw authError('ErrRoleNotFound');
    this.backend.deleteRole(name);
    for (const user of this.backend.users()) {
      const roles = user.roles.filter((r) => r !== name);
      if (roles.length !== user.roles.length) this.backend.putUser({ ...user, roles });
    }
    this.commit();
  }

  /**
   * `RoleGrantPermission`: the first permission whose key is not below the new one's (a binary
   * search of the sorted list) is updated in place when it has the same key and range end;
   * otherwise the permission is added and the list sorted again by key.
   */
  roleGrantPermission(name: string, permission: Permission): void {
    const role = this.backend.role(name);
    if (role === undefined) throw authError('ErrRoleNotFound');
    const perms = role.keyPermission.map((p) => ({ ...p }));
    const at = searchFirstNotBelow(perms, permission.key);
    const found = perms[at];
    if (found !== undefined && found.key === permission.key && found.rangeEnd === permission.rangeEnd) {
      found.permType = permission.permType;
    } else {
      perms.push({ ...permission });
      this.sort(perms, (a, b) => a.key < b.key);
    }
    this.backend.putRole({ name, keyPermission: perms });
    this.commit();
  }

  /** Removes every permission with exactly this key and range end. */
  roleRevokePermission(name: string, key: string, rangeEnd: string): void {
    const role = this.backend.role(name);
    if (role === undefined) throw authError('ErrRoleNotFound');
    const perms = role.keyPermission.filter((p) => p.key !== key || p.rangeEnd !== rangeEnd);
    if (perms.length === role.keyPermission.length) throw authError('ErrPermissionNotGranted');
    this.backend.putRole({ name, keyPermission: perms });
    this.commit();
  }

  // ---- tokens ----

  /** `Authenticate` as applied: a token for the user, made of the proposer's prefix and the entry's index. */
  authenticate(name: string, prefix: string, index: number, nowMs: number): string {
    if (!this.enabled) throw authError('ErrAuthNotEnabled');
    const user = this.backend.user(name);
    if (user === undefined || user.noPassword) throw authError('ErrAuthFailed');
    return this.tokens.assign(prefix, index, name, nowMs);
  }

  /** `AuthInfoFromCtx` for a token: its user at the current revision, or `ErrInvalidAuthToken`. */
  authInfoFromToken(token: string, nowMs: number, appliedIndex: number): AuthInfo {
    const username = this.tokens.info(token, nowMs, appliedIndex);
    if (username === undefined) throw authError('ErrInvalidAuthToken');
    return { username, revision: this.rev };
  }

  // ---- permission checks ----

  /**
   * `isOpPermitted`: with auth on, a request must come from a user (else `ErrUserEmpty`), checked
   * at the current revision (else `ErrAuthOldRevision`), who holds the root role or permissions
   * covering the keys.
   */
  isOpPermitted(info: AuthInfo | undefined, key: string, rangeEnd: string, write: boolean): void {
    if (!this.enabled) return;
    if (info === undefined || info.revision === 0) throw authError('ErrUserEmpty');
    if (info.revision < this.rev) throw authError('ErrAuthOldRevision');
    const user = this.backend.user(info.username);
    if (user === undefined) throw authError('ErrPermissionDenied');
    if (hasRootRole(user)) return;
    if (!this.permissionsOf(user).permits(key, rangeEnd, write)) throw authError('ErrPermissionDenied');
  }

  isPutPermitted(info: AuthInfo | undefined, key: string): void {
    this.isOpPermitted(info, key, '', true);
  }

  isRangePermitted(info: AuthInfo | undefined, key: string, rangeEnd: string): void {
    this.isOpPermitted(info, key, rangeEnd, false);
  }

  isDeleteRangePermitted(info: AuthInfo | undefined, key: string, rangeEnd: string): void {
    this.isOpPermitted(info, key, rangeEnd, true);
  }

  /** `IsAdminPermitted`: with auth on, a user holding the root role. */
  isAdminPermitted(info: AuthInfo | undefined): void {
    if (!this.enabled) return;
    if (info === undefined || info.username === '') throw authError('ErrUserEmpty');
    const user = this.backend.user(info.username);
    if (user === undefined) throw authError('ErrUserNotFound');
    if (!hasRootRole(user)) throw authError('ErrPermissionDenied');
  }

  hasRole(name: string, role: string): boolean {
    return this.backend.user(name)?.roles.includes(role) ?? false;
  }

  // ---- snapshots ----

  snapshot(): AuthSnapshot {
    return { enabled: this.enabled, revision: this.rev, users: this.backend.users(), roles: this.backend.roles() };
  }

  /** Replaces everything by a snapshot's (a member catching up from one). */
  install(snapshot: AuthSnapshot): void {
    this.backend.clear();
    for (const user of snapshot.users) this.backend.putUser(user);
    for (const role of snapshot.roles) this.backend.putRole(role);
    this.backend.putMeta({ enabled: snapshot.enabled, revision: snapshot.revision });
    this.recover();
  }

  // ---- internals ----

  /** `commitRevision`: one more change, stored with it; merged permissions are rebuilt when next asked. */
  private commit(): void {
    this.rev++;
    this.backend.putMeta({ enabled: this.enabled, revision: this.rev });
    this.permissions.clear();
  }

  private permissionsOf(user: StoredUser): UnifiedPermissions {
    let merged = this.permissions.get(user.name);
    if (merged === undefined) {
      merged = new UnifiedPermissions(user, (name) => this.backend.role(name));
      this.permissions.set(user.name, merged);
    }
    return merged;
  }
}

/** `hasRootRole` (a binary search of the sorted roles in etcd; the same answer). */
function hasRootRole(user: StoredUser): boolean {
  return user.roles.includes(ROOT_ROLE);
}

/** Go's `sort.Search` for the first permission whose key is at or above `key`. */
function searchFirstNotBelow(perms: readonly Permission[], key: string): number {
  let low = 0;
  let high = perms.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (perms[middle]!.key >= key) high = middle;
    else low = middle + 1;
  }
  return low;
}

