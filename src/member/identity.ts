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
}

export function loadIdentity(sql: SqlStorage): Identity | undefined {
  const rows = sql.exec<{ key: string; value: string }>('SELECT key, value FROM member_identity').toArray();
  const map = new Map(rows.map((r) => [r.key, r.value]));
  const name = map.get('name');
  const id = map.get('id');
  const clusterId = map.get('cluster_id');
  if (name === undefined || id === undefined || clusterId === undefined) return undefined;
  return { name, id, clusterId, removed: map.get('removed') === 'true' };
}

export function saveIdentity(sql: SqlStorage, identity: Identity): void {
  const put = (key: string, value: string): void => {
    sql.exec('INSERT OR REPLACE INTO member_identity (key, value) VALUES (?, ?)', key, value);
  };
  put('name', identity.name);
  put('id', identity.id);
  put('cluster_id', identity.clusterId);
  put('removed', String(identity.removed));
}
