import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { SqliteLogStore } from '../../src/member/sqlite-log-store.ts';
import { describeStorageContract } from '../raft/storage-contract.ts';

/** Storage of the object the current test body runs in (see `inFreshObject`). */
let current: DurableObjectState | undefined;

const openStore = (state: DurableObjectState): SqliteLogStore =>
  new SqliteLogStore(state.storage.sql, (fn) => state.storage.transactionSync(fn));

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

describeStorageContract('SqliteLogStore on Durable Object SQLite', () => openStore(current!), {
  around: inFreshObject,
  // A restart: a new instance over the same SQLite database.
  reopen: () => openStore(current!),
});

describe('SqliteLogStore', () => {
  it('splits a large snapshot into rows below the platform cap and joins it back', async () => {
    await inFreshObject(async () => {
      const store = openStore(current!);
      const data = 'x'.repeat(3 * 1024 * 1024 + 17);
      store.applySnapshot({ metadata: { index: 10, term: 2, confState: { voters: ['a'], learners: [] } }, data });
      const rows = current!.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM raft_snapshot_chunks').one().n;
      expect(rows).toBeGreaterThan(1);
      expect(store.snapshot().data).toBe(data);
      expect(store.firstIndex()).toBe(11);
      expect(openStore(current!).snapshot().data).toBe(data);
    });
  });

  it('writes a whole Ready in one transaction: a failure leaves nothing half-written', async () => {
    await inFreshObject(async () => {
      const store = openStore(current!);
      store.save({ hardState: { term: 1, vote: '', commit: 0 }, entries: [{ index: 1, term: 1, type: 'normal', data: 'a' }] });
      // The entries have a gap, so append throws inside the transaction: the hard state of the same
      // Ready must not stay written either.
      expect(() =>
        store.save({ hardState: { term: 2, vote: 'x', commit: 1 }, entries: [{ index: 5, term: 2, type: 'normal', data: 'gap' }] }),
      ).toThrow();
      const reopened = openStore(current!);
      expect(reopened.initialState().hardState).toEqual({ term: 1, vote: '', commit: 0 });
      expect(reopened.lastIndex()).toBe(1);
    });
  });
});
