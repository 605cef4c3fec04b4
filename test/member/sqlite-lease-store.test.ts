import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { Lessor, type LeaseStore } from '../../src/lease/index.ts';
import { SCHEMA_VERSION } from '../../src/member/schema.ts';
import { SqliteLeaseStore } from '../../src/member/sqlite-lease-store.ts';
import { describeLeaseStoreContract } from '../lease/lease-store-contract.ts';

/** Storage of the object the current test body runs in (see `inFreshObject`). */
let current: DurableObjectState | undefined;

/** Typed as the port: the SQLite store must satisfy the lessor's `LeaseStore` as it is. */
const openStore = (state: DurableObjectState): LeaseStore => new SqliteLeaseStore(state.storage.sql);

/** Runs a test body inside a fresh Member object: its storage is only usable there. */
const inFreshObject = (body: () => Promise<void>): Promise<void> =>
  runInDurableObject(env.MEMBER.get(env.MEMBER.newUniqueId()), async (_instance, state) => {
    current = state;
    try {
      await body();
    } finally {
      current = undefined;
    }
  });

describeLeaseStoreContract('SqliteLeaseStore on Durable Object SQLite', () => openStore(current!), {
  around: inFreshObject,
  // A restart: a new instance over the same SQLite database.
  reopen: () => openStore(current!),
});

describe('SqliteLeaseStore', () => {
  it('creates its table by the next numbered migration', async () => {
    await inFreshObject(async () => {
      openStore(current!);
      const version = current!.storage.sql.exec<{ version: number }>('SELECT version FROM schema_version').one().version;
      expect(version).toBe(SCHEMA_VERSION);
      const table = current!.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'lease'").toArray();
      expect(table).toHaveLength(1);
    });
  });

  it('keeps a revoke\'s row deletion in the apply\'s transaction: a failure there leaves the lease', async () => {
    await inFreshObject(async () => {
      const state = current!;
      const lessor = new Lessor(openStore(state), { minTtl: 2 });
      lessor.grant(1n, 10, 0);
      lessor.attach(1n, 'k');
      expect(() =>
        state.storage.transactionSync(() => {
          lessor.revoke(1n, () => undefined);
          throw new Error('the key deletion failed');
        }),
      ).toThrow('the key deletion failed');
      expect(openStore(state).all()).toEqual([{ id: 1n, ttl: 10, remainingTtl: 0 }]);
    });
  });

  it('recovers a lessor\'s leases after a restart of the object\'s code', async () => {
    await inFreshObject(async () => {
      const lessor = new Lessor(openStore(current!), { minTtl: 2 });
      lessor.grant(0x688da234be0aba05n, 1, 0);
      lessor.grant(-7n, 60, 0);
      const restarted = new Lessor(openStore(current!), { minTtl: 2 });
      expect(restarted.leasesByExpiry().map((l) => [l.id, l.ttl])).toEqual([
        [-7n, 60],
        [0x688da234be0aba05n, 2],
      ]);
    });
  });
});
