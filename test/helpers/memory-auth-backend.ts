import type { StoredRole, StoredUser, V3AuthBackend } from '../../src/auth/index.ts';

/**
 * v3 auth's backend in memory, for the plain-Node tests: the member's is SQLite
 * (src/member/sqlite-auth-backend.ts, checked on workerd). Records are copied in and out, as
 * rows are, so a caller that changes what it got changes nothing stored.
 */
export class MemoryAuthBackend implements V3AuthBackend {
  private readonly userRows = new Map<string, string>();
  private readonly roleRows = new Map<string, string>();
  private metaRow: { enabled: boolean; revision: number } | undefined;

  user(name: string): StoredUser | undefined {
    const row = this.userRows.get(name);
    return row === undefined ? undefined : (JSON.parse(row) as StoredUser);
  }

  users(): StoredUser[] {
    return [...this.userRows.keys()].sort(byCodePoint).map((name) => this.user(name)!);
  }

  putUser(user: StoredUser): void {
    this.userRows.set(user.name, JSON.stringify(user));
  }

  deleteUser(name: string): void {
    this.userRows.delete(name);
  }

  role(name: string): StoredRole | undefined {
    const row = this.roleRows.get(name);
    return row === undefined ? undefined : (JSON.parse(row) as StoredRole);
  }

  roles(): StoredRole[] {
    return [...this.roleRows.keys()].sort(byCodePoint).map((name) => this.role(name)!);
  }

  putRole(role: StoredRole): void {
    this.roleRows.set(role.name, JSON.stringify(role));
  }

  deleteRole(name: string): void {
    this.roleRows.delete(name);
  }

  meta(): { enabled: boolean; revision: number } | undefined {
    return this.metaRow === undefined ? undefined : { ...this.metaRow };
  }

  putMeta(meta: { enabled: boolean; revision: number }): void {
    this.metaRow = { ...meta };
  }

  clear(): void {
    this.userRows.clear();
    this.roleRows.clear();
  }

  /** Test hook: a stored user record replaced by bytes that do not read back (a fault). */
  corruptUser(name: string): void {
    this.userRows.set(name, '{"name":');
  }
}

/** Go's string order: the bytes of the UTF-8, which is code point order. */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
