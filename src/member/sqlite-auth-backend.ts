import type { Permission, StoredRole, StoredUser, V3AuthBackend } from '../server/index.ts';
import { migrate } from './schema.ts';

/**
 * v3 auth's backend (src/auth `V3AuthBackend`) on the member's SQLite database: the `auth_user`,
 * `auth_role` and `auth_meta` tables. Synchronous like `sql.exec`; it opens no transaction of its
 * own, because the auth store writes it while an entry is applied, in the turn that records the
 * applied index. Records are JSON; names sort in SQLite's BINARY order, the bytes of their UTF-8,
 * which is the order etcd's bbolt keeps them in.
 *
 * Decoded users are kept in memory (every permission check reads its user) and dropped on write.
 * A record that does not decode to a user or role is thrown, never defaulted.
 */
export class SqliteAuthBackend implements V3AuthBackend {
  private readonly cachedUsers = new Map<string, StoredUser | undefined>();

  constructor(private readonly sql: SqlStorage) {
    migrate(sql);
  }

  user(name: string): StoredUser | undefined {
    if (this.cachedUsers.has(name)) return this.cachedUsers.get(name);
    const row = this.sql.exec<{ record: string }>('SELECT record FROM auth_user WHERE name = ?', name).toArray()[0];
    const user = row === undefined ? undefined : decodeUser(row.record);
    this.cachedUsers.set(name, user);
    if (this.cachedUsers.size > 10_000) this.cachedUsers.clear();
    return user;
  }

  users(): StoredUser[] {
    return this.sql.exec<{ record: string }>('SELECT record FROM auth_user ORDER BY name').toArray().map((row) => decodeUser(row.record));
  }

  putUser(user: StoredUser): void {
    this.cachedUsers.delete(user.name);
    this.sql.exec('INSERT OR REPLACE INTO auth_user (name, record) VALUES (?, ?)', user.name, JSON.stringify(user));
  }

  deleteUser(name: string): void {
    this.cachedUsers.delete(name);
    this.sql.exec('DELETE FROM auth_user WHERE name = ?', name);
  }

  role(name: string): StoredRole | undefined {
    const row = this.sql.exec<{ record: string }>('SELECT record FROM auth_role WHERE name = ?', name).toArray()[0];
    return row === undefined ? undefined : decodeRole(row.record);
  }

  roles(): StoredRole[] {
    return this.sql.exec<{ record: string }>('SELECT record FROM auth_role ORDER BY name').toArray().map((row) => decodeRole(row.record));
  }

  putRole(role: StoredRole): void {
    this.sql.exec('INSERT OR REPLACE INTO auth_role (name, record) VALUES (?, ?)', role.name, JSON.stringify(role));
  }

  deleteRole(name: string): void {
    this.sql.exec('DELETE FROM auth_role WHERE name = ?', name);
  }

  meta(): { enabled: boolean; revision: number } | undefined {
    const row = this.sql.exec<{ enabled: number; revision: number }>('SELECT enabled, revision FROM auth_meta WHERE id = 1').toArray()[0];
    return row === undefined ? undefined : { enabled: row.enabled === 1, revision: row.revision };
  }

  putMeta(meta: { enabled: boolean; revision: number }): void {
    this.sql.exec('INSERT OR REPLACE INTO auth_meta (id, enabled, revision) VALUES (1, ?, ?)', meta.enabled ? 1 : 0, meta.revision);
  }

  clear(): void {
    this.cachedUsers.clear();
    this.sql.exec('DELETE FROM auth_user');
    this.sql.exec('DELETE FROM auth_role');
  }
}

const PERMISSION_TYPES = new Set(['READ', 'WRITE', 'READWRITE']);

function decodeUser(record: string): StoredUser {
  const v = JSON.parse(record) as Partial<StoredUser>;
  if (typeof v.name !== 'string' || typeof v.password !== 'string' || typeof v.noPassword !== 'boolean' || !Array.isArray(v.roles) || !v.roles.every((r) => typeof r === 'string')) {
    throw new Error('auth_user holds a record that is not a user');
  }
  return { name: v.name, password: v.password, roles: v.roles, noPassword: v.noPassword };
}

function decodeRole(record: string): StoredRole {
  const v = JSON.parse(record) as Partial<StoredRole>;
  if (typeof v.name !== 'string' || !Array.isArray(v.keyPermission) || !v.keyPermission.every(isPermission)) {
    throw new Error('auth_role holds a record that is not a role');
  }
  return { name: v.name, keyPermission: v.keyPermission };
}

function isPermission(p: unknown): p is Permission {
  const v = p as Partial<Permission> | null;
  return v !== null && typeof v === 'object' && PERMISSION_TYPES.has(v.permType as string) && typeof v.key === 'string' && typeof v.rangeEnd === 'string';
}
