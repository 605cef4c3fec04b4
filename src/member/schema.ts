/**
 * The member's SQLite schema as numbered, append-only migrations: a deployed object upgrades by
 * running the ones it has not run yet. Never edit a shipped migration; add the next one.
 */
const MIGRATIONS: readonly string[] = [
  // 1: Raft hard state, log, snapshot, and the member's identity.
  `CREATE TABLE raft_hard_state (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     term INTEGER NOT NULL,
     vote TEXT NOT NULL,
     commit_index INTEGER NOT NULL
   );
   CREATE TABLE raft_log_start (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     idx INTEGER NOT NULL,
     term INTEGER NOT NULL
   );
   CREATE TABLE raft_entries (
     idx INTEGER PRIMARY KEY,
     term INTEGER NOT NULL,
     conf_change INTEGER NOT NULL,
     data TEXT NOT NULL
   );
   CREATE TABLE raft_snapshot (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     idx INTEGER NOT NULL,
     term INTEGER NOT NULL,
     conf_state TEXT NOT NULL,
     chunks INTEGER NOT NULL
   );
   CREATE TABLE raft_snapshot_chunks (
     seq INTEGER PRIMARY KEY,
     data TEXT NOT NULL
   );
   CREATE TABLE member_identity (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );`,
  // 2: the v3 leases (etcd's lease bucket: ID, TTL, RemainingTTL). IDs are signed 64-bit, kept
  // as decimal TEXT because the SQL binding hands INTEGERs back as doubles (53 bits).
  `CREATE TABLE lease (
     id TEXT PRIMARY KEY,
     ttl INTEGER NOT NULL,
     remaining_ttl INTEGER NOT NULL
   );`,
  // 3: the v3 store's buckets (etcd's bbolt "key" and "meta"; src/member/sqlite-mvcc-backend.ts).
  // rev is etcd's 17-byte revision key (big-endian main, '_', sub), so BLOB order is revision
  // order; keys and values are BLOBs (exact bytes, compared with memcmp); lease IDs are int64 as
  // decimal TEXT.
  `CREATE TABLE mvcc_key (
     rev BLOB PRIMARY KEY,
     tombstone INTEGER NOT NULL,
     key BLOB NOT NULL,
     value BLOB NOT NULL,
     create_revision INTEGER NOT NULL,
     mod_revision INTEGER NOT NULL,
     version INTEGER NOT NULL,
     lease TEXT NOT NULL
   );
   CREATE TABLE mvcc_meta (
     name TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );`,
  // 4: the v3 alarms (etcd's alarm bucket): one row per raised alarm and member.
  `CREATE TABLE alarm (
     member_id TEXT NOT NULL,
     alarm TEXT NOT NULL,
     PRIMARY KEY (member_id, alarm)
   );`,
  // 5: the key rows of a snapshot being received from a peer, installed over mvcc_key in the
  // turn that applies the snapshot (src/member/sqlite-snapshot-staging.ts).
  `CREATE TABLE mvcc_key_staging (
     rev BLOB PRIMARY KEY,
     tombstone INTEGER NOT NULL,
     key BLOB NOT NULL,
     value BLOB NOT NULL,
     create_revision INTEGER NOT NULL,
     mod_revision INTEGER NOT NULL,
     version INTEGER NOT NULL,
     lease TEXT NOT NULL
   );`,
  // 6: v3 auth (etcd's auth, authUsers and authRoles buckets; src/member/sqlite-auth-backend.ts):
  // users and roles by name, each as its JSON record; the switch and the auth revision.
  `CREATE TABLE auth_user (
     name TEXT PRIMARY KEY,
     record TEXT NOT NULL
   );
   CREATE TABLE auth_role (
     name TEXT PRIMARY KEY,
     record TEXT NOT NULL
   );
   CREATE TABLE auth_meta (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     enabled INTEGER NOT NULL,
     revision INTEGER NOT NULL
   );`,
  // 7: entries too large for one row (the platform caps a row at 2 MB; a 1.5 MiB binary v3
  // value is larger as text) are kept in parts; `parts` is 0 for an entry kept whole.
  `ALTER TABLE raft_entries ADD COLUMN parts INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE raft_entry_parts (
     idx INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     data TEXT NOT NULL,
     PRIMARY KEY (idx, seq)
   );`,
];

export function migrate(sql: SqlStorage): void {
  sql.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = sql.exec<{ version: number }>('SELECT version FROM schema_version').toArray()[0];
  const current = row?.version ?? 0;
  if (row === undefined) sql.exec('INSERT INTO schema_version (version) VALUES (0)');
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    sql.exec(MIGRATIONS[version - 1]!);
    sql.exec('UPDATE schema_version SET version = ?', version);
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;
