import type { LeaseId, LeaseStore, PersistedLease } from '../lease/index.ts';
import { migrate } from './schema.ts';

interface LeaseRow extends Record<string, SqlStorageValue> {
  id: string;
  ttl: number;
  remaining_ttl: number;
}

/**
 * The lessor's `LeaseStore` (src/lease) on the member's SQLite database: etcd's lease bucket as
 * the `lease` table. Synchronous like `sql.exec`; it opens no transaction of its own, because the
 * lessor writes it while the server applies an entry, inside the apply's `transactionSync` with
 * the key deletions of a revoke and the applied index.
 */
export class SqliteLeaseStore implements LeaseStore {
  constructor(private readonly sql: SqlStorage) {
    migrate(sql);
  }

  put(id: LeaseId, ttl: number, remainingTtl: number): void {
    this.sql.exec('INSERT OR REPLACE INTO lease (id, ttl, remaining_ttl) VALUES (?, ?, ?)', id.toString(), ttl, remainingTtl);
  }

  delete(id: LeaseId): void {
    this.sql.exec('DELETE FROM lease WHERE id = ?', id.toString());
  }

  all(): PersistedLease[] {
    return this.sql
      .exec<LeaseRow>('SELECT id, ttl, remaining_ttl FROM lease')
      .toArray()
      .map((row) => ({ id: BigInt(row.id), ttl: row.ttl, remainingTtl: row.remaining_ttl }));
  }
}
