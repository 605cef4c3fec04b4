import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';

const putKey = (url: string, key: string, value: string): Promise<Response> =>
  fetch(`${url}/v2/keys/${key}`, { method: 'PUT', body: new URLSearchParams({ value }) });

/** A member's own v2 store statistics (its client URL serves them from that member). */
async function getsSucceeded(memberURL: string): Promise<number> {
  return ((await (await fetch(`${memberURL}/v2/stats/store`)).json()) as { getsSuccess: number }).getsSuccess;
}

describe('quorum reads spread over members by the front door', () => {
  let cluster: LaunchedCluster;
  beforeAll(async () => {
    // Locally quorum reads stay at the leader unless asked (scripts/local-cluster.ts); the launched
    // `edgecd start` inherits this worker's environment.
    process.env.EDGECD_QUORUM_READS = 'spread';
    cluster = await launchCluster();
    delete process.env.EDGECD_QUORUM_READS;
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  it('lands on every member, the followers serving theirs by ReadIndex', async () => {
    expect((await putKey(cluster.url, 'spread', 'v')).ok).toBe(true);
    const before = await Promise.all(cluster.memberURLs.map(getsSucceeded));
    for (let i = 0; i < 30; i++) {
      const response = await fetch(`${cluster.url}/v2/keys/spread?quorum=true`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { node: { value: string } }).node.value).toBe('v');
    }
    const after = await Promise.all(cluster.memberURLs.map(getsSucceeded));
    // Round robin over three members: ten each (give or take the one that answered "not ready").
    for (const [i, count] of after.entries()) expect(count - before[i]!).toBeGreaterThanOrEqual(5);
  });

  it('sees every acknowledged write, wherever the read lands', async () => {
    for (let i = 0; i < 40; i++) {
      expect((await putKey(cluster.url, 'fresh', `v${i}`)).ok).toBe(true);
      const response = await fetch(`${cluster.url}/v2/keys/fresh?quorum=true`);
      expect(((await response.json()) as { node: { value: string } }).node.value).toBe(`v${i}`);
    }
  });

  it('keeps a plain (serializable) read at the leader, as before', async () => {
    const before = await Promise.all(cluster.memberURLs.map(getsSucceeded));
    for (let i = 0; i < 10; i++) expect((await fetch(`${cluster.url}/v2/keys/spread`)).status).toBe(200);
    const after = await Promise.all(cluster.memberURLs.map(getsSucceeded));
    expect(after.map((count, i) => count - before[i]!).sort((a, b) => a - b)).toEqual([0, 0, 10]);
  });
});
