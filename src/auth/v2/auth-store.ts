import type { PasswordHasher } from '../password-hasher.ts';
import type { StoreWrite, V2AuthBackend } from './backend.ts';
import { decodeBool, decodeRole, decodeUser, encodeRole, encodeUser } from './codec.ts';
import { goSprintfNoArgs } from './go-fmt.ts';
import { goSortStrings, mergeRole, sameRole, sameSlice } from './permissions.ts';
import { AuthError, GUEST_ROLE_NAME, guestRole, ROOT_ROLE_NAME, rootRole, STORE_PERMS_PREFIX, type Role, type User } from './types.ts';

/**
 * etcd 3.4's v2 auth store (etcdserver/api/v2auth/auth.go and auth_requests.go): users and roles
 * as JSON values under `/2/users/<name>` and `/2/roles/<name>`, the switch at `/2/enabled`, all
 * kept in the v2 store and written through the Raft log. Each method makes the same store
 * requests in the same order as etcd's, so the store's index and its `/v2/stats/store` counters
 * move as etcd's do, and answers with etcd's errors, word for word.
 *
 * One instance per member, as etcd has one per server: `ensuredOnce` is that member's memory.
 */
export class V2AuthStore {
  private ensuredOnce = false;

  constructor(
    private readonly backend: V2AuthBackend,
    private readonly hasher: PasswordHasher,
  ) {}

  // ---- users ----

  async allUsers(): Promise<string[]> {
    const read = await this.backend.get(`${STORE_PERMS_PREFIX}/users`, false);
    if (!read.found) return [];
    return goSortStrings([...read.children]);
  }

  getUser(name: string): Promise<User> {
    return this.readUser(name, false);
  }

  /**
   * For a PUT that names neither roles nor grants: an update if the user exists (read with a
   * quorum read), else a create.
   */
  async createOrUpdateUser(user: User): Promise<{ user: User; created: boolean }> {
    const exists = await this.readUser(user.user, true).then(
      () => true,
      () => false,
    );
    if (exists) return { user: await this.updateUser(user), created: false };
    return { user: await this.createUser(user), created: true };
  }

  async createUser(user: User): Promise<User> {
    const withRoot = user.user === ROOT_ROLE_NAME ? attachRootRole(user) : user;
    if (withRoot.password === '') throw new AuthError(400, `auth: Cannot create user ${withRoot.user} with an empty password`);
    // Hashed here, before the write is proposed: the log carries the hash, never the password.
    const created = { ...withRoot, password: await this.hasher.hash(withRoot.password) };
    const written = await this.setResource(`/users/${created.user}`, encodeUser(created), false);
    if (written === 'exists') throw new AuthError(409, `auth: User ${created.user} already exists.`);
    return created;
  }

  async deleteUser(name: string): Promise<void> {
    if ((await this.authEnabled()) && name === 'root') throw new AuthError(403, 'auth: Cannot delete root user while auth is enabled.');
    const deleted = await this.deleteResource(`/users/${name}`);
    if (deleted === 'notFound') throw new AuthError(404, `auth: User ${name} does not exist`);
  }

  async updateUser(user: User): Promise<User> {
    // etcd's "User %s doesn't exist." branch here never runs: getUser already turned the miss
    // into its own "does not exist." error, which is what clients get.
    const old = await this.readUser(user.user, true);
    const merged = await this.mergeUser(old, user);
    if (sameUser(old, merged)) throw new AuthError(400, 'auth: User not updated. Use grant/revoke/password to update the user.');
    await this.setResource(`/users/${user.user}`, encodeUser(merged), true);
    return merged;
  }

  /** `User.merge`: a new password hashed, then the grants and revokes applied to a set of roles. */
  private async mergeUser(old: User, update: User): Promise<User> {
    if (old.user !== update.user) {
      throw new AuthError(409, `auth: Merging user data with conflicting usernames: ${old.user} ${update.user}`);
    }
    const password = update.password !== '' ? await this.hasher.hash(update.password) : old.password;
    const roles = new Set(old.roles ?? []);
    // etcd formats these messages first and then passes them to authErr as its format string.
    for (const g of update.grant ?? []) {
      if (roles.has(g)) throw new AuthError(409, goSprintfNoArgs(`auth: Granting duplicate role ${g} for user ${update.user}`));
      roles.add(g);
    }
    for (const r of update.revoke ?? []) {
      if (!roles.has(r)) throw new AuthError(409, goSprintfNoArgs(`auth: Revoking ungranted role ${r} for user ${update.user}`));
      roles.delete(r);
    }
    return { user: old.user, password, roles: goSortStrings([...roles]), grant: null, revoke: null };
  }

  // ---- roles ----

  /** Every role's name, `root` included (it is built in, never stored). */
  async allRoles(): Promise<string[]> {
    const read = await this.backend.get(`${STORE_PERMS_PREFIX}/roles`, false);
    if (!read.found) return [ROOT_ROLE_NAME];
    return goSortStrings([ROOT_ROLE_NAME, ...read.children]);
  }

  getRole(name: string): Promise<Role> {
    return this.readRole(name, false);
  }

  async createRole(role: Role): Promise<void> {
    if (role.role === ROOT_ROLE_NAME) throw new AuthError(403, `auth: Cannot modify role ${role.role}: is root role.`);
    const written = await this.setResource(`/roles/${role.role}`, encodeRole(role), false);
    if (written === 'exists') throw new AuthError(409, `auth: Role ${role.role} already exists.`);
  }

  async deleteRole(name: string): Promise<void> {
    if (name === ROOT_ROLE_NAME) throw new AuthError(403, `auth: Cannot modify role ${name}: is root role.`);
    const deleted = await this.deleteResource(`/roles/${name}`);
    if (deleted === 'notFound') throw new AuthError(404, `auth: Role ${name} doesn't exist.`);
  }

  async updateRole(role: Role): Promise<Role> {
    if (role.role === ROOT_ROLE_NAME) throw new AuthError(403, `auth: Cannot modify role ${role.role}: is root role.`);
    // As in updateUser, getRole's "does not exist." is what a missing role answers.
    const old = await this.readRole(role.role, true);
    const merged = mergeRole(old, role);
    if (sameRole(old, merged)) throw new AuthError(400, 'auth: Role not updated. Use grant/revoke to update the role.');
    await this.setResource(`/roles/${role.role}`, encodeRole(merged), true);
    return merged;
  }

  // ---- the switch ----

  /**
   * `AuthEnabled` (etcd's `detectAuth`): `/2/enabled` as a JSON bool; absent means off.
   * Hardening: etcd answers "off" when the read fails or the value is not JSON, which opens every
   * key; here such a fault is thrown, and the guards deny.
   */
  async authEnabled(): Promise<boolean> {
    const read = await this.backend.get(`${STORE_PERMS_PREFIX}/enabled`, false);
    if (!read.found) return false;
    if (read.value === undefined) throw new Error('auth: /2/enabled is a directory');
    return decodeBool(read.value);
  }

  async enableAuth(): Promise<void> {
    if (await this.authEnabled()) throw new AuthError(409, 'auth: already enabled');
    const hasRoot = await this.readUser('root', true).then(
      () => true,
      () => false,
    );
    if (!hasRoot) throw new AuthError(409, 'auth: No root user available, please create one');
    const hasGuest = await this.readRole(GUEST_ROLE_NAME, true).then(
      () => true,
      () => false,
    );
    if (!hasGuest) await this.createRole(guestRole());
    await this.setResource('/enabled', 'true', true);
  }

  async disableAuth(): Promise<void> {
    if (!(await this.authEnabled())) throw new AuthError(409, 'auth: already disabled');
    await this.setResource('/enabled', 'false', true);
  }

  // ---- the store requests (auth_requests.go) ----

  private async readUser(name: string, quorum: boolean): Promise<User> {
    const read = await this.backend.get(`${STORE_PERMS_PREFIX}/users/${name}`, quorum);
    if (!read.found) throw new AuthError(404, `auth: User ${name} does not exist.`);
    if (read.value === undefined) throw new Error(`auth: /2/users/${name} is a directory`);
    const user = decodeUser(read.value, 'unmarshal');
    return user.user === 'root' ? attachRootRole(user) : user;
  }

  private async readRole(name: string, quorum: boolean): Promise<Role> {
    if (name === ROOT_ROLE_NAME) return rootRole();
    const read = await this.backend.get(`${STORE_PERMS_PREFIX}/roles/${name}`, quorum);
    if (!read.found) throw new AuthError(404, `auth: Role ${name} does not exist.`);
    if (read.value === undefined) throw new Error(`auth: /2/roles/${name} is a directory`);
    return decodeRole(read.value, 'unmarshal');
  }

  /**
   * `ensureAuthDirectories`: before this member's first auth write, `/2`, `/2/users/`,
   * `/2/roles/` and `/2/enabled` (false) are created unless they exist. Once per member, as etcd
   * does once per server process: four writes the first time in a cluster, four refused creates
   * on every other member's first write (which move no index).
   */
  private async ensureAuthDirectories(): Promise<void> {
    if (this.ensuredOnce) return;
    for (const dir of [STORE_PERMS_PREFIX, `${STORE_PERMS_PREFIX}/users/`, `${STORE_PERMS_PREFIX}/roles/`]) {
      await this.backend.put(dir, { dir: true }, false);
    }
    await this.backend.put(`${STORE_PERMS_PREFIX}/enabled`, { value: 'false' }, false);
    this.ensuredOnce = true;
  }

  private async setResource(resource: string, value: string, prevExist: boolean): Promise<StoreWrite> {
    await this.ensureAuthDirectories();
    return this.backend.put(`${STORE_PERMS_PREFIX}${resource}`, { value }, prevExist);
  }

  private async deleteResource(resource: string): Promise<StoreWrite> {
    await this.ensureAuthDirectories();
    return this.backend.delete(`${STORE_PERMS_PREFIX}${resource}`);
  }
}

/** The root user always holds the root role, stored or not (etcd's `attachRootRole`). */
function attachRootRole(user: User): User {
  if (user.roles?.includes(ROOT_ROLE_NAME)) return user;
  return { ...user, roles: [...(user.roles ?? []), ROOT_ROLE_NAME] };
}

/** `reflect.DeepEqual` of two users. */
function sameUser(a: User, b: User): boolean {
  return a.user === b.user && a.password === b.password && sameSlice(a.roles, b.roles) && sameSlice(a.grant, b.grant) && sameSlice(a.revoke, b.revoke);
}
