import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { KVStore } from '../../src/mvcc/index.ts';
import { MAX_ROW_BYTES, SqliteMvccBackend } from '../../src/member/sqlite-mvcc-backend.ts';
import { describeBackendContract, row } from '../mvcc/backend-contract.ts';

/** Storage of the object the current test body runs in (see `inFreshObject`). */
let current: DurableObjectState | undefined;

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

describeBackendContract('SqliteMvccBackend on Durable Object SQLite', () => new SqliteMvccBackend(current!.storage.sql), {
  around: inFreshObject,
  // A restart: a new instance over the same SQLite database.
  reopen: () => new SqliteMvccBackend(current!.storage.sql),
});

describe('SqliteMvccBackend', () => {
  it('stores keys and values as exact bytes: a byte >= 0x80 takes one byte, not two', async () => {
    await inFreshObject(async () => {
      const sql = current!.storage.sql;
      const backend = new SqliteMvccBackend(sql);
      backend.putKeyRows([row(2, 0, '\xff\x00', '\x80'.repeat(1000))]);
      const stored = sql.exec<{ k: number; v: number; t: string }>('SELECT length(key) AS k, length(value) AS v, typeof(value) AS t FROM mvcc_key').one();
      expect(stored).toEqual({ k: 2, v: 1000, t: 'blob' });
    });
  });

  it('orders keys bytewise in SQLite too', async () => {
    await inFreshObject(async () => {
      const sql = current!.storage.sql;
      const backend = new SqliteMvccBackend(sql);
      const keys = ['\xff', 'a', '\x00', '\x7f', '\x80', 'ab'];
      backend.putKeyRows(keys.map((k, i) => row(i + 2, 0, k, '')));
      const ordered = sql.exec<{ key: ArrayBuffer }>('SELECT key FROM mvcc_key ORDER BY key').toArray();
      expect(ordered.map((r) => [...new Uint8Array(r.key)])).toEqual([[0x00], [0x61], [0x61, 0x62], [0x7f], [0x80], [0xff]]);
    });
  });

  it('refuses a row over the platform cap and writes none of its txn', async () => {
    await inFreshObject(async () => {
      const backend = new SqliteMvccBackend(current!.storage.sql);
      expect(() => backend.putKeyRows([row(2, 0, 'ok', ''), row(2, 1, 'k', 'x'.repeat(MAX_ROW_BYTES))])).toThrow(/row cap/);
      expect(backend.scanKeyHeads({ from: { main: 0, sub: 0 }, to: { main: 10, sub: 0 } }, 10)).toEqual([]);
      backend.putKeyRows([row(2, 0, 'k', 'x'.repeat(MAX_ROW_BYTES - 1))]);
      expect(backend.getKeyRows([{ main: 2, sub: 0 }])[0]?.value.length).toBe(MAX_ROW_BYTES - 1);
    });
  });

  it('commits a write txn with the caller\'s transaction, or not at all', async () => {
    await inFreshObject(async () => {
      const storage = current!.storage;
      const store = new KVStore(new SqliteMvccBackend(storage.sql));
      store.put('a', '1');
      expect(() =>
        storage.transactionSync(() => {
          store.setConsistentIndex(5);
          store.put('b', '2');
          throw new Error('apply failed');
        }),
      ).toThrow('apply failed');
      const again = new KVStore(new SqliteMvccBackend(storage.sql));
      expect(again.rev()).toBe(2);
      expect(again.consistentIndex()).toBe(0);
      expect(again.range('\0', '\0').kvs.map((kv) => kv.key)).toEqual(['a']);
    });
  });
});
