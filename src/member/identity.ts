/**
 * Who this member is, kept in its SQLite storage next to the Raft state: etcd keeps the same in
 * its data dir (member ID, cluster ID), and a member that was removed remembers it.
 */
export interface Identity {
  name: string;
  id: string;
  clusterId: string;
  /** Set once this member applied its own removal; such storage must be wiped before reuse. */
  removed: boolean;
  /**
   * A member that joined a running cluster knows its peers before it has applied any entry
   * (etcd gets them from the cluster it joins): Raft member ID → peer URL.
   */
  peers: Record<string, string>;
}

export function loadIdentity(sql: SqlStorage): Identity | undefined {
  const map = readAll(sql);
  const name = map.get('name');
  const id = map.get('id');
  const clusterId = map.get('cluster_id');
  if (name === undefined || id === undefined || clusterId === undefined) return undefined;
  return { name, id, clusterId, removed: map.get('removed') === 'true', peers: JSON.parse(map.get('peers') ?? '{}') as Record<string, string> };
}

export function saveIdentity(sql: SqlStorage, identity: Identity): void {
  put(sql, 'name', identity.name);
  put(sql, 'id', identity.id);
  put(sql, 'cluster_id', identity.clusterId);
  put(sql, 'removed', String(identity.removed));
  put(sql, 'peers', JSON.stringify(identity.peers));
  sql.exec("DELETE FROM member_identity WHERE key = 'wiped'");
}

/**
 * A wiped member's storage says so: it must not bootstrap a new cluster again on its own (it was
 * part of one), only join a running one when started explicitly.
 */
export function markWiped(sql: SqlStorage): void {
  put(sql, 'wiped', 'true');
}

export function isWiped(sql: SqlStorage): boolean {
  return readAll(sql).get('wiped') === 'true';
}

function readAll(sql: SqlStorage): Map<string, string> {
  const rows = sql.exec<{ key: string; value: string }>('SELECT key, value FROM member_identity').toArray();
  return new Map(rows.map((r) => [r.key, r.value]));
}

function put(sql: SqlStorage, key: string, value: string): void {
  sql.exec('INSERT OR REPLACE INTO member_identity (key, value) VALUES (?, ?)', key, value);
}
