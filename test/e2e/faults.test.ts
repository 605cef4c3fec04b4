import { afterAll, describe, expect, it } from 'vitest';
import { callControl } from '../../scripts/control.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';

const putKey = (url: string, key: string, value: string): Promise<Response> =>
  fetch(`${url}/v2/keys/${key}`, { method: 'PUT', body: new URLSearchParams({ value }) });

describe('faults', () => {
  const started: LaunchedCluster[] = [];
  afterAll(async () => {
    for (const c of started) await c.destroy();
  });

  it('loses nothing acknowledged when the whole launcher is killed and started again on its data dir', async () => {
    const first = await launchCluster();
    started.push(first);
    for (let i = 0; i < 30; i++) expect((await putKey(first.url, `durable/k${i}`, `v${i}`)).ok).toBe(true);
    await first.kill();

    const second = await launchCluster({ dataDir: first.dataDir });
    started.push(second);
    for (let i = 0; i < 30; i++) {
      const body = (await (await fetch(`${second.url}/v2/keys/durable/k${i}?quorum=true`)).json()) as { node?: { value: string } };
      expect(body.node?.value).toBe(`v${i}`);
    }
  });

  it('replaces a reset leader and serves writes through the front door within 3 s', async () => {
    const cluster = await launchCluster();
    started.push(cluster);
    expect((await putKey(cluster.url, 'before', 'x')).ok).toBe(true);
    const leader = (await (await fetch(`${cluster.url}/v2/members/leader`)).json()) as { name: string };

    const reset = await callControl(cluster.dataDir, 'POST', `/members/${leader.name}/abort`);
    expect(reset.status).toBeLessThan(500);
    const resetAt = Date.now();
    const response = await putKey(cluster.url, 'after', 'y');
    const elapsed = Date.now() - resetAt;
    console.info(`leader ${leader.name} reset: first write through the front door after ${elapsed} ms`);
    expect(response.status).toBe(201);
    expect(elapsed).toBeLessThan(3_000);
    const after = (await (await fetch(`${cluster.url}/v2/keys/after?quorum=true`)).json()) as { node: { value: string } };
    expect(after.node.value).toBe('y');
    // What was acknowledged before the reset survived it.
    const before = (await (await fetch(`${cluster.url}/v2/keys/before?quorum=true`)).json()) as { node: { value: string } };
    expect(before.node.value).toBe('x');
  });
});

describe('writes during an election', () => {
  it('applies each acknowledged in-order create exactly once, and no unacknowledged one twice', async () => {
    const cluster = await launchCluster();
    try {
      const leader = (await (await fetch(`${cluster.url}/v2/members/leader`)).json()) as { name: string };
      const writes = Array.from({ length: 20 }, (_, i) =>
        fetch(`${cluster.url}/v2/keys/jobs`, { method: 'POST', body: new URLSearchParams({ value: `job${i}` }) }).then((r) => r.status),
      );
      await callControl(cluster.dataDir, 'POST', `/members/${leader.name}/abort`);
      const statuses = await Promise.all(writes);
      const listing = (await (await fetch(`${cluster.url}/v2/keys/jobs?quorum=true&sorted=true`)).json()) as {
        node: { nodes?: { value: string }[] };
      };
      const values = (listing.node.nodes ?? []).map((n) => n.value);
      // Never twice.
      expect(new Set(values).size).toBe(values.length);
      // Every acknowledged one is there.
      statuses.forEach((status, i) => {
        if (status === 201) expect(values).toContain(`job${i}`);
      });
      console.info(`writes across a leader reset: ${statuses.filter((s) => s === 201).length}/20 acknowledged, ${values.length} applied`);
    } finally {
      await cluster.destroy();
    }
  });
});

describe('a network partition', () => {
  const setFaults = (dataDir: string, name: string, plan: object) =>
    callControl(dataDir, 'POST', `/members/${name}/faults`, JSON.stringify(plan));

  it('replaces a leader cut off from its peers, and takes it back as a follower that catches up once healed', async () => {
    const cluster = await launchCluster();
    try {
      const names = ['node1', 'node2', 'node3'];
      const old = ((await (await fetch(`${cluster.url}/v2/members/leader`)).json()) as { name: string }).name;
      const rest = names.filter((n) => n !== old);
      await setFaults(cluster.dataDir, old, { partitioned: rest });
      for (const n of rest) await setFaults(cluster.dataDir, n, { partitioned: [old] });

      const cutAt = Date.now();
      const write = await putKey(cluster.url, 'during-partition', 'majority side');
      expect(write.status).toBe(201);
      console.info(`leader ${old} partitioned: first write through the front door after ${Date.now() - cutAt} ms`);
      const leader = ((await (await fetch(`${cluster.url}/v2/members/leader`)).json()) as { name: string }).name;
      expect(rest).toContain(leader);

      for (const n of names) await setFaults(cluster.dataDir, n, {});
      const ownURL = cluster.memberURLs[names.indexOf(old)]!;
      const deadline = Date.now() + 10_000;
      let seen: string | undefined;
      while (Date.now() < deadline && seen !== 'majority side') {
        const body = (await (await fetch(`${ownURL}/v2/keys/during-partition`)).json()) as { node?: { value: string } };
        seen = body.node?.value;
        if (seen !== 'majority side') await new Promise((r) => setTimeout(r, 100));
      }
      expect(seen).toBe('majority side');
      const statuses = await Promise.all(names.map(async (n) => JSON.parse((await callControl(cluster.dataDir, 'GET', `/members/${n}/status`)).body) as { isLeader: boolean }));
      expect(statuses.filter((s) => s.isLeader)).toHaveLength(1);
    } finally {
      await cluster.destroy();
    }
  });

  it('loses and applies nothing twice under message drops and duplicates', async () => {
    const cluster = await launchCluster();
    try {
      for (const n of ['node1', 'node2', 'node3']) await setFaults(cluster.dataDir, n, { drop: 0.2, duplicate: 0.2 });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await fetch(`${cluster.url}/v2/keys/lossy`, { method: 'POST', body: new URLSearchParams({ value: `v${i}` }) });
        statuses.push(r.status);
      }
      for (const n of ['node1', 'node2', 'node3']) await setFaults(cluster.dataDir, n, {});
      const listing = (await (await fetch(`${cluster.url}/v2/keys/lossy?quorum=true&sorted=true`)).json()) as { node: { nodes?: { value: string }[] } };
      const values = (listing.node.nodes ?? []).map((n) => n.value);
      expect(new Set(values).size).toBe(values.length);
      statuses.forEach((s, i) => {
        if (s === 201) expect(values).toContain(`v${i}`);
      });
      expect(statuses.filter((s) => s === 201).length).toBeGreaterThan(20);
    } finally {
      await cluster.destroy();
    }
  });
});
