import type { StoredRole, StoredUser } from './types.ts';

/**
 * Where v3 auth keeps its state: etcd's `auth`, `authUsers` and `authRoles` buckets in the
 * backend. SYNCHRONOUS, like the lease store: the member implements it on its SQLite database and
 * the auth store writes it while an entry is applied, in the same turn (one transaction) as the
 * applied index, so a restarted member never applies an auth entry twice.
 *
 * A stored value that cannot be read back is thrown: a fault, never a default. In the apply path
 * it resets the member (etcd panics there); in a permission check it denies.
 */
export interface V3AuthBackend {
  user(name: string): StoredUser | undefined;
  /** Every user in name order (bytes of the UTF-8: code point order), as bbolt iterates keys. */
  users(): StoredUser[];
  putUser(user: StoredUser): void;
  deleteUser(name: string): void;
  role(name: string): StoredRole | undefined;
  /** Every role in name order. */
  roles(): StoredRole[];
  putRole(role: StoredRole): void;
  deleteRole(name: string): void;
  /** The switch and the revision; undefined before anything was written. */
  meta(): { enabled: boolean; revision: number } | undefined;
  putMeta(meta: { enabled: boolean; revision: number }): void;
  /** Removes every user and role (a snapshot is being installed). */
  clear(): void;
}
