import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { splitText, SqliteLogStore } from '../../src/member/sqlite-log-store.ts';
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

  it('keeps an entry too large for one row in parts: binary bytes and emoji, truncated and compacted with it', async () => {
    await inFreshObject(async () => {
      const store = openStore(current!);
      // 1.5 MiB of bytes 0x80-0xff is 3 MiB of UTF-8: past the platform's 2 MB row cap (SQLITE_TOOBIG).
      const binary = Array.from({ length: 1_572_864 }, (_, i) => String.fromCharCode(0x80 + (i % 128))).join('');
      // Surrogate pairs at every offset, so some straddle a part boundary.
      const emoji = `a${'😀'.repeat(700_000)}`;
      store.save({
        entries: [
          { index: 1, term: 1, type: 'normal', data: binary },
          { index: 2, term: 1, type: 'normal', data: emoji },
          { index: 3, term: 1, type: 'normal', data: 'small' },
        ],
      });
      const reopened = openStore(current!);
      expect(reopened.entries(1, 4).map((e) => e.data)).toEqual([binary, emoji, 'small']);
      const parts = (): number => current!.storage.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM raft_entry_parts').one().n;
      expect(parts()).toBeGreaterThan(4);
      // A conflicting suffix from a new leader replaces entry 2 and its parts.
      reopened.save({ entries: [{ index: 2, term: 2, type: 'normal', data: 'replaced' }] });
      expect(openStore(current!).entries(1, 3).map((e) => e.data)).toEqual([binary, 'replaced']);
      reopened.compact(1);
      expect(parts()).toBe(0);
      expect(openStore(current!).entries(2, 3).map((e) => e.data)).toEqual(['replaced']);
    });
  });
});

describe('splitText', () => {
  it('never splits a surrogate pair', () => {
    const text = `x${'😀'.repeat(10)}`;
    for (const max of [2, 3, 4, 5]) {
      const parts = splitText(text, max);
      expect(parts.join('')).toBe(text);
      for (const part of parts) expect(part.length).toBeLessThanOrEqual(max);
      for (const part of parts) expect(/^[\udc00-\udfff]/.test(part)).toBe(false);
    }
  });
});
