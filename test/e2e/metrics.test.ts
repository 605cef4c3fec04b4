import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callControl } from '../../scripts/control.ts';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { parseText, type ParsedSample } from '../../src/metrics/index.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';
import { lintMetrics, rulesTest, testRules, type Scrape } from '../metrics/promtool.ts';

const NAMES = ['node1', 'node2', 'node3'];

/** The lint advice, metric by metric, that promtool gives a real etcd 3.4's own /metrics. */
let etcdLint: Set<string>;
/** What real etcd 3.4 answers /metrics with: status and Content-Type. */
let etcdAnswer: { status: number; type: string | null };
let cluster: LaunchedCluster;
/** A real etcd 3.4 kept running for the v3 comparison. */
let etcd: RealEtcdCluster;

const scrape = async (): Promise<string> => (await fetch(`${cluster.url}/metrics`)).text();
const value = (samples: ParsedSample[], name: string, labels: Record<string, string>): number =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;
const leaderName = async (): Promise<string> => ((await (await fetch(`${cluster.url}/v2/members/leader`)).json()) as { name: string }).name;

beforeAll(async () => {
  etcd = await startRealEtcd();
  await fetch(`${etcd.clientURLs[0]}/v2/keys/a`, { method: 'PUT', body: new URLSearchParams({ value: '1' }) });
  const answer = await fetch(`${etcd.clientURLs[0]}/metrics`);
  etcdAnswer = { status: answer.status, type: answer.headers.get('Content-Type') };
  etcdLint = new Set(await lintMetrics(await answer.text()));
  cluster = await launchCluster();
});
afterAll(async () => {
  await etcd?.stop();
  await cluster?.destroy();
});

describe("the front door's /metrics", () => {
  it('is a valid exposition that promtool advises nothing about that it does not advise etcd 3.4 about too', async () => {
    await fetch(`${cluster.url}/v2/keys/lint`, { method: 'PUT', body: new URLSearchParams({ value: 'x' }) });
    const answer = await fetch(`${cluster.url}/metrics`);
    expect({ status: answer.status, type: answer.headers.get('Content-Type') }).toEqual(etcdAnswer);
    const advice = await lintMetrics(await answer.text());
    // etcd's own names break promtool's naming advice (a gauge named _total, counters without
    // it); edgecd keeps etcd's names, so it gets the same advice and no other.
    expect(advice.filter((line) => !etcdLint.has(line))).toEqual([]);
  });

  it("moves etcd_mvcc_* with v3 traffic as real etcd 3.4 moves them, writes on every member and reads on the serving one", async () => {
    const leader = await leaderName();
    const edgecdBefore = parseText(await scrape());
    const etcdBefore = parseText(await (await fetch(`${etcd.clientURLs[0]}/metrics`)).text());
    await v3Traffic(cluster.url);
    await v3Traffic(etcd.clientURLs[0]!);
    const edgecdAfter = parseText(await scrape());
    const etcdAfter = parseText(await (await fetch(`${etcd.clientURLs[0]}/metrics`)).text());
    const etcdMoved = (name: string): number => value(etcdAfter, name, {}) - value(etcdBefore, name, {});
    const edgecdMoved = (name: string, member: string): number => value(edgecdAfter, name, { member }) - value(edgecdBefore, name, { member });

    const applied = [
      'etcd_mvcc_put_total',
      'etcd_mvcc_delete_total',
      'etcd_mvcc_txn_total',
      'etcd_debugging_mvcc_put_total',
      'etcd_debugging_mvcc_total_put_size_in_bytes',
      'etcd_debugging_mvcc_current_revision',
    ];
    for (const name of applied) expect(etcdMoved(name), name).toBeGreaterThan(0);
    for (const member of NAMES) {
      for (const name of applied) expect(edgecdMoved(name, member), `${name} on ${member}`).toBe(etcdMoved(name));
      expect(value(edgecdAfter, 'etcd_debugging_mvcc_keys_total', { member }), member).toBe(value(etcdAfter, 'etcd_debugging_mvcc_keys_total', {}));
    }
    for (const name of ['etcd_mvcc_range_total', 'etcd_debugging_mvcc_range_total']) {
      expect(etcdMoved(name), name).toBeGreaterThan(0);
      expect(edgecdMoved(name, leader), name).toBe(etcdMoved(name));
    }
    // Both compacted at the same revision of the same history.
    expect(value(edgecdAfter, 'etcd_debugging_mvcc_compact_revision', { member: leader })).toBe(value(etcdAfter, 'etcd_debugging_mvcc_compact_revision', {}));
    // Each family of etcd's type, one series per member.
    const types = familyTypes(await scrape());
    const etcdTypes = familyTypes(await (await fetch(`${etcd.clientURLs[0]}/metrics`)).text());
    const mvccFamilies = [...types.keys()].filter((n) => n.includes('_mvcc_'));
    expect(mvccFamilies.length).toBeGreaterThan(15);
    for (const name of mvccFamilies) expect(types.get(name), name).toBe(etcdTypes.get(name));
    for (const member of NAMES) expect(edgecdAfter.some((s) => s.name === 'etcd_mvcc_put_total' && s.labels.member === member), member).toBe(true);
  });

  it('moves its counters with traffic, on the member that served it and on every member that applied it', async () => {
    const leader = await leaderName();
    const before = parseText(await scrape());
    for (let i = 0; i < 20; i++) await fetch(`${cluster.url}/v2/keys/traffic/k${i}`, { method: 'PUT', body: new URLSearchParams({ value: `v${i}` }) });
    for (let i = 0; i < 5; i++) await fetch(`${cluster.url}/v2/keys/traffic?recursive=true`);
    await fetch(`${cluster.url}/v2/keys/traffic/missing`);
    const after = parseText(await scrape());
    const moved = (name: string, labels: Record<string, string>): number => value(after, name, labels) - value(before, name, labels);
    expect(moved('etcd_http_received_total', { member: leader, method: 'PUT' })).toBe(20);
    expect(moved('etcd_http_successful_duration_seconds_count', { member: leader, method: 'PUT' })).toBe(20);
    expect(moved('etcd_http_received_total', { member: leader, method: 'GET' })).toBe(6);
    expect(moved('etcd_http_failed_total', { member: leader, method: 'GET', code: '404' })).toBe(1);
    expect(moved('etcd_debugging_store_reads_total', { member: leader, action: 'getRecursive' })).toBe(5);
    for (const member of NAMES) {
      expect(moved('etcd_debugging_store_writes_total', { member, action: 'set' }), member).toBe(20);
      expect(moved('etcd_server_proposals_committed_total', { member }), member).toBeGreaterThanOrEqual(20);
      expect(moved('etcd_disk_wal_fsync_duration_seconds_count', { member }), member).toBeGreaterThan(0);
    }
    const followers = NAMES.filter((n) => n !== leader);
    const ids = await Promise.all(followers.map(async (n) => JSON.parse((await callControl(cluster.dataDir, 'GET', `/members/${n}/status`)).body).id as string));
    for (const id of ids) expect(moved('etcd_network_peer_round_trip_time_seconds_count', { member: leader, To: id })).toBeGreaterThan(0);
  });

  it("drops etcd_server_has_leader to 0 on a partitioned member, and etcd's etcdNoLeader alert fires for it alone", async () => {
    const leader = await leaderName();
    const healthy = await scrape();
    for (let i = 0; i < 10; i++) await fetch(`${cluster.url}/v2/keys/before-partition/k${i}`, { method: 'PUT', body: new URLSearchParams({ value: 'x' }) });
    const busy = await scrape();
    const lonely = NAMES.find((n) => n !== leader)!;
    await callControl(cluster.dataDir, 'POST', `/members/${lonely}/faults`, JSON.stringify({ partitioned: NAMES.filter((n) => n !== lonely) }));
    for (const n of NAMES.filter((m) => m !== lonely)) await callControl(cluster.dataDir, 'POST', `/members/${n}/faults`, JSON.stringify({ partitioned: [lonely] }));
    let partitioned = '';
    const deadline = Date.now() + 15_000;
    try {
      while (Date.now() < deadline) {
        partitioned = await scrape();
        if (value(parseText(partitioned), 'etcd_server_has_leader', { member: lonely }) === 0) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      for (const n of NAMES) await callControl(cluster.dataDir, 'POST', `/members/${n}/faults`, '{}');
    }
    const samples = parseText(partitioned);
    expect(value(samples, 'etcd_server_has_leader', { member: lonely })).toBe(0);
    for (const n of NAMES.filter((m) => m !== lonely)) expect(value(samples, 'etcd_server_has_leader', { member: n }), n).toBe(1);

    // The three scrapes as Prometheus would have stored them: healthy, busy, then partitioned.
    // etcd's rules select `job=~".*etcd.*"` ("edgecd" does not match it): the job is named etcd.
    const target = { job: 'etcd', instance: new URL(cluster.url).host };
    const scrapes: Scrape[] = [
      { text: healthy, minutes: 3 },
      { text: busy, minutes: 3 },
      { text: partitioned, minutes: 10 },
    ];
    const noLeader = {
      exp_labels: { severity: 'critical', job: 'etcd', instance: target.instance, member: lonely },
      exp_annotations: { message: `etcd cluster "etcd": member ${target.instance} has no leader.` },
    };
    const alerts = ['etcdInsufficientMembers', 'etcdHighNumberOfLeaderChanges', 'etcdHighNumberOfFailedGRPCRequests', 'etcdGRPCRequestsSlow', 'etcdMemberCommunicationSlow', 'etcdHighNumberOfFailedProposals', 'etcdHighFsyncDurations', 'etcdHighCommitDurations', 'etcdHighNumberOfFailedHTTPRequests', 'etcdHTTPRequestsSlow'];
    const result = await testRules(
      rulesTest(scrapes, target, [
        { eval_time: '5m', alertname: 'etcdNoLeader' },
        { eval_time: '6m', alertname: 'etcdNoLeader' },
        { eval_time: '9m', alertname: 'etcdNoLeader', exp_alerts: [noLeader] },
        { eval_time: '15m', alertname: 'etcdNoLeader', exp_alerts: [noLeader] },
        // Nothing else goes off on these scrapes.
        ...alerts.map((alertname) => ({ eval_time: '15m', alertname })),
      ]),
    );
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });
});

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** One call to the v3 JSON gateway; fails the test on an error answer. */
async function gateway(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const answer = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * The same v3 requests for either server, on keys of their own: puts (one with prev_kv, one on a
 * lease), a delete, ranges (a count, a sorted one), a txn (a compare, two puts), a compaction.
 */
async function v3Traffic(url: string): Promise<void> {
  for (let i = 0; i < 5; i++) await gateway(url, '/v3/kv/put', { key: b64(`mvcc/k${i}`), value: b64(`value ${i}`) });
  await gateway(url, '/v3/kv/put', { key: b64('mvcc/k0'), value: b64('again'), prev_kv: true });
  await gateway(url, '/v3/kv/deleterange', { key: b64('mvcc/k1') });
  await gateway(url, '/v3/kv/range', { key: b64('mvcc/'), range_end: b64('mvcc0') });
  await gateway(url, '/v3/kv/range', { key: b64('mvcc/'), range_end: b64('mvcc0'), count_only: true, serializable: true });
  await gateway(url, '/v3/kv/range', { key: b64('mvcc/'), range_end: b64('mvcc0'), sort_order: 'DESCEND', sort_target: 'MOD', limit: 2 });
  await gateway(url, '/v3/kv/txn', {
    compare: [{ key: b64('mvcc/k2'), target: 'VERSION', result: 'EQUAL', version: '1' }],
    success: [{ request_put: { key: b64('mvcc/k2'), value: b64('txn') } }, { request_put: { key: b64('mvcc/k5'), value: b64('txn') } }],
  });
  const lease = await gateway(url, '/v3/lease/grant', { TTL: 60 });
  await gateway(url, '/v3/kv/put', { key: b64('mvcc/leased'), value: b64('x'), lease: lease.ID });
  const { header } = (await gateway(url, '/v3/kv/range', { key: b64('mvcc/k0') })) as { header: { revision: string } };
  await gateway(url, '/v3/kv/compaction', { revision: header.revision, physical: true });
}

/** Each family of an exposition and its type (its `# TYPE` lines). */
function familyTypes(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}
