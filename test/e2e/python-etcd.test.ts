import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/free-port.ts';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';

/**
 * python-etcd 0.4.5 (Debian's python3-etcd), unchanged: its upstream integration suite adapted to
 * an external endpoint (test/e2e/python/upstream_integration.py), plus Lock, eternal_watch,
 * allow_reconnect and the cluster-ID check. The same suite runs against real etcd 3.4, which
 * keeps the adaptation honest.
 */

const PYTHON = '/usr/bin/python3';
const SUITE = join(import.meta.dirname, 'python', 'upstream_integration.py');

function runSuite(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(PYTHON, [SUITE], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('error', reject);
    // 'close', not 'exit': 'exit' may come before the last of the child's output has been read.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}

const port = (url: string): string => new URL(url).port;

describe('python-etcd against edgecd', () => {
  let edgecd: LaunchedCluster;
  let etcd: RealEtcdCluster;
  let deadPort: number;

  beforeAll(async () => {
    [edgecd, etcd, deadPort] = await Promise.all([launchCluster(), startRealEtcd({ members: 3 }), freePort()]);
  });

  afterAll(async () => {
    await Promise.all([edgecd?.destroy(), etcd?.stop()]);
  });

  it('passes the upstream integration suite through the front door', async () => {
    const run = await runSuite({ ETCD_PORT: port(edgecd.url), MEMBER_PORTS: edgecd.memberURLs.map(port).join(','), DEAD_PORT: String(deadPort) });
    expect(run.output).toMatch(/\nOK\n/);
    expect(run.code, run.output).toBe(0);
  });

  it("passes it on a follower member's own client URL", async () => {
    const leader = (await (await fetch(`${edgecd.url}/v2/members/leader`)).json()) as { clientURLs: string[] };
    const follower = edgecd.memberURLs.find((u) => u !== leader.clientURLs[0])!;
    const run = await runSuite({ ETCD_PORT: port(follower), MEMBER_PORTS: edgecd.memberURLs.map(port).join(','), DEAD_PORT: String(deadPort) });
    expect(run.code, run.output).toBe(0);
  });

  it('and the same suite passes against real etcd 3.4', async () => {
    const run = await runSuite({ ETCD_PORT: port(etcd.clientURLs[0]!), MEMBER_PORTS: etcd.clientURLs.map(port).join(','), DEAD_PORT: String(deadPort) });
    expect(run.code, run.output).toBe(0);
  });
});
