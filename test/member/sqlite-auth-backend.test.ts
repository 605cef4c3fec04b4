import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/member/schema.ts';
import { SqliteAuthBackend } from '../../src/member/sqlite-auth-backend.ts';
import type { StoredUser } from '../../src/server/index.ts';

/** Runs a body inside a fresh Member object: its SQLite storage is only usable there. */
const inFreshObject = (body: (sql: SqlStorage) => void): Promise<void> =>
  runInDurableObject(env.MEMBER.get(env.MEMBER.newUniqueId()), async (_instance, state) => body(state.storage.sql));

const user = (name: string, roles: string[] = []): StoredUser => ({ name, password: `$hash-of-${name}`, roles, noPassword: false });

describe('v3 auth on Durable Object SQLite', () => {
  it('creates its tables by the next numbered migration', async () => {
    await inFreshObject((sql) => {
      new SqliteAuthBackend(sql);
      expect(sql.exec<{ version: number }>('SELECT version FROM schema_version').one().version).toBe(SCHEMA_VERSION);
      const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'auth_%' ORDER BY name").toArray().map((r) => r.name);
      expect(tables).toEqual(['auth_meta', 'auth_role', 'auth_user']);
    });
  });

  it('keeps users and roles by name, listed in the byte order of their UTF-8 (as bbolt iterates)', async () => {
    await inFreshObject((sql) => {
      const backend = new SqliteAuthBackend(sql);
      for (const name of ['zed', 'Ünal', 'alice', 'Bob', '\u{1f600}', 'éa']) backend.putUser(user(name));
      expect(backend.users().map((u) => u.name)).toEqual(['Bob', 'alice', 'zed', 'Ünal', 'éa', '\u{1f600}']);
      backend.putRole({ name: 'r', keyPermission: [{ permType: 'READWRITE', key: 'a\u0000\u00ff', rangeEnd: '\u0000' }] });
      expect(backend.role('r')).toEqual({ name: 'r', keyPermission: [{ permType: 'READWRITE', key: 'a\u0000\u00ff', rangeEnd: '\u0000' }] });
      backend.deleteUser('zed');
      expect(backend.user('zed')).toBeUndefined();
      backend.putMeta({ enabled: true, revision: 12 });
      expect(backend.meta()).toEqual({ enabled: true, revision: 12 });
    });
  });

  it('reads back what a new instance over the same database wrote (a restart), its cache never hiding a write', async () => {
    await inFreshObject((sql) => {
      const first = new SqliteAuthBackend(sql);
      first.putUser(user('ann', ['r1']));
      expect(first.user('ann')?.roles).toEqual(['r1']);
      first.putUser(user('ann', ['r1', 'r2']));
      expect(first.user('ann')?.roles).toEqual(['r1', 'r2']);
      const second = new SqliteAuthBackend(sql);
      expect(second.user('ann')).toEqual(user('ann', ['r1', 'r2']));
      second.clear();
      expect(second.users()).toEqual([]);
    });
  });

  it('throws on a stored record that is not a user or a role, rather than defaulting it', async () => {
    await inFreshObject((sql) => {
      const backend = new SqliteAuthBackend(sql);
      sql.exec("INSERT INTO auth_user (name, record) VALUES ('bad', '{\"name\":\"bad\",\"roles\":\"root\"}')");
      sql.exec("INSERT INTO auth_role (name, record) VALUES ('bad', 'not json')");
      expect(() => backend.user('bad')).toThrow('not a user');
      expect(() => backend.role('bad')).toThrow();
      expect(() => backend.users()).toThrow('not a user');
    });
  });
});
