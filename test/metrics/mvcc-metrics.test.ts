import { describe, expect, it } from 'vitest';
import { MVCC, parseText, writeText } from '../../src/metrics/index.ts';
import type { EtcdServer, PutRequest, RangeRequest, TxnRequest, WatchResponse } from '../../src/server/index.ts';
import { ServerCluster } from '../helpers/server-cluster.ts';

const put = (key: string, value: string, extra: Partial<PutRequest> = {}): PutRequest => ({
  key, value, lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false, ...extra,
});
const range = (key: string, extra: Partial<RangeRequest> = {}): RangeRequest => ({
  key, rangeEnd: '', limit: 0, revision: 0, sortOrder: 'NONE', sortTarget: 'KEY', serializable: false,
  keysOnly: false, countOnly: false, minModRevision: 0, maxModRevision: 0, minCreateRevision: 0, maxCreateRevision: 0, ...extra,
});

/** Every family of a member's exposition by name: type, help and the unlabeled value. */
function families(server: EtcdServer): Map<string, { type: string; help: string; value: number | undefined }> {
  const out = new Map<string, { type: string; help: string; value: number | undefined }>();
  for (const f of server.metrics.registry.gather()) out.set(f.name, { type: f.type, help: f.help, value: undefined });
  for (const s of parseText(writeText(server.metrics.registry.gather()))) {
    const family = out.get(s.name);
    if (family !== undefined && Object.keys(s.labels).length === 0) family.value = s.value;
  }
  return out;
}
const value = (server: EtcdServer, name: string): number | undefined => families(server).get(name)?.value;

describe("a member's etcd_mvcc_* metrics", () => {
  it("serves every family under etcd 3.4's name, type and help, from a fresh store's values", () => {
    const cluster = new ServerCluster(['n1']);
    const leader = cluster.elect();
    const got = families(leader.server);
    for (const options of Object.values(MVCC)) {
      expect(got.get(options.name)?.help, options.name).toBe(options.help);
      expect(got.get(options.name)?.type, options.name).toBe(/_(range|put|delete|txn)_total$|_mvcc_events_total$|_db_compaction_keys_total$/.test(options.name) ? 'counter' : 'gauge');
    }
    // etcd's fresh store: revision 1, no compaction (-1), nothing counted.
    expect(value(leader.server, 'etcd_debugging_mvcc_current_revision')).toBe(1);
    expect(value(leader.server, 'etcd_debugging_mvcc_compact_revision')).toBe(-1);
    expect(value(leader.server, 'etcd_mvcc_put_total')).toBe(0);
  });

  it('count writes on every member that applies them and reads only on the member that serves them', async () => {
    const cluster = new ServerCluster(['n1', 'n2', 'n3']);
    const leader = cluster.elect();
    const v3 = leader.server.v3;
    for (let i = 0; i < 5; i++) await cluster.drive(v3.put(put(`k${i}`, 'value')));
    await cluster.drive(v3.put(put('k0', 'again', { prevKv: true })));
    await cluster.drive(v3.deleteRange({ key: 'k1', rangeEnd: '', prevKv: false }));
    await cluster.drive(v3.range(range('k', { rangeEnd: 'l' })));
    const txn: TxnRequest = {
      compare: [{ result: 'EQUAL', target: 'VERSION', key: 'k2', rangeEnd: '', version: 1 }],
      success: [{ requestPut: put('k2', 'txn') }, { requestPut: put('k5', 'txn') }],
      failure: [],
    };
    await cluster.drive(v3.txn(txn));
    cluster.tick(2);
    for (const m of cluster.members.values()) {
      const s = m.server;
      expect(value(s, 'etcd_mvcc_put_total'), m.name).toBe(8);
      expect(value(s, 'etcd_debugging_mvcc_put_total'), m.name).toBe(8);
      expect(value(s, 'etcd_mvcc_delete_total'), m.name).toBe(1);
      // etcd's txn_total counts what ran more than one operation: the txn's two puts, and the put
      // with prev_kv (a range and a put in one write txn); not the txn's lone compare.
      expect(value(s, 'etcd_mvcc_txn_total'), m.name).toBe(2);
      expect(value(s, 'etcd_debugging_mvcc_keys_total'), m.name).toBe(5);
      expect(value(s, 'etcd_debugging_mvcc_current_revision'), m.name).toBe(9);
      expect(value(s, 'etcd_mvcc_db_total_size_in_bytes'), m.name).toBeGreaterThan(0);
      expect(value(s, 'etcd_mvcc_db_total_size_in_use_in_bytes'), m.name).toBe(value(s, 'etcd_mvcc_db_total_size_in_bytes'));
      expect(value(s, 'etcd_debugging_mvcc_total_put_size_in_bytes'), m.name).toBe(5 * 7 + 7 + 2 * 5);
    }
    // The prev_kv lookup and the txn's compare run where the entries are applied, on every
    // member; the range only on the member that served it.
    expect(value(leader.server, 'etcd_mvcc_range_total')).toBe(3);
    for (const m of cluster.members.values()) if (m !== leader) expect(value(m.server, 'etcd_mvcc_range_total'), m.name).toBe(2);
  });

  it('follow watch streams, watchers, the slow ones and the events sent', async () => {
    const cluster = new ServerCluster(['n1']);
    const leader = cluster.elect();
    const v3 = leader.server.v3;
    for (let i = 0; i < 3; i++) await cluster.drive(v3.put(put('w', String(i))));
    const seen: WatchResponse[] = [];
    const stream = v3.watch((r) => seen.push(r));
    stream.send({ createRequest: { key: 'w', rangeEnd: '', startRevision: 0, progressNotify: false, filters: [], prevKv: false, watchId: 0, fragment: false } });
    // From revision 2: unsynced until the ticker catches it up.
    stream.send({ createRequest: { key: 'w', rangeEnd: '', startRevision: 2, progressNotify: false, filters: [], prevKv: false, watchId: 0, fragment: false } });
    expect(value(leader.server, 'etcd_debugging_mvcc_watch_stream_total')).toBe(1);
    expect(value(leader.server, 'etcd_debugging_mvcc_watcher_total')).toBe(2);
    expect(value(leader.server, 'etcd_debugging_mvcc_slow_watcher_total')).toBe(1);
    cluster.tick();
    expect(value(leader.server, 'etcd_debugging_mvcc_slow_watcher_total')).toBe(0);
    expect(value(leader.server, 'etcd_debugging_mvcc_events_total')).toBe(3);
    await cluster.drive(v3.put(put('w', 'live')));
    expect(value(leader.server, 'etcd_debugging_mvcc_events_total')).toBe(5);
    expect(value(leader.server, 'etcd_debugging_mvcc_pending_events_total')).toBe(0);
    stream.close();
    expect(value(leader.server, 'etcd_debugging_mvcc_watch_stream_total')).toBe(0);
    expect(value(leader.server, 'etcd_debugging_mvcc_watcher_total')).toBe(0);
  });

  it('show the compacted revision and the rows compaction deleted', async () => {
    const cluster = new ServerCluster(['n1']);
    const leader = cluster.elect();
    const v3 = leader.server.v3;
    for (let i = 0; i < 4; i++) await cluster.drive(v3.put(put('c', String(i))));
    await cluster.drive(v3.compact({ revision: 5, physical: true }));
    expect(value(leader.server, 'etcd_debugging_mvcc_compact_revision')).toBe(5);
    expect(value(leader.server, 'etcd_debugging_mvcc_db_compaction_keys_total')).toBe(3);
  });
});
