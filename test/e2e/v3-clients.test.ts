import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { etcdV3Api } from '../helpers/v3-etcd-api.ts';
import { startGatewayServer, type GatewayServer } from '../helpers/v3-gateway-server.ts';

/**
 * Debian's clients of etcd's v3 JSON gateway, unchanged: OpenStack's etcd3gw 2.0 (KV, txn-based
 * create and replace, leases, its lock, a streamed watch that reads one JSON message per HTTP
 * chunk) and Patroni 3.0's etcd3 DCS (version probe to pick /v3, initialize, members, the leader
 * key on a lease, config, watch cache). test/e2e/python/v3_clients.py prints what they saw; the
 * transcript through edgecd's gateway (in front of a real etcd, until the member serves V3Api)
 * must be the one real etcd gives.
 */

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(import.meta.dirname, 'python', 'v3_clients.py');

function transcript(port: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, port], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (errors += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: code === 0 ? output : `${output}\n${errors}` });
    });
  });
}

describe('etcd3gw and Patroni through the v3 gateway', () => {
  let etcdA: RealEtcdCluster;
  let etcdB: RealEtcdCluster;
  let gateway: GatewayServer;

  beforeAll(async () => {
    [etcdA, etcdB] = await Promise.all([startRealEtcd(), startRealEtcd()]);
    gateway = await startGatewayServer(await etcdV3Api(etcdB.clientURLs[0]!));
  });

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([etcdA?.stop(), etcdB?.stop()]);
  });

  it('see through edgecd what they see on etcd 3.4', async () => {
    const [theirs, ours] = await Promise.all([transcript(new URL(etcdA.clientURLs[0]!).port), transcript(new URL(gateway.url).port)]);
    expect(theirs.code, theirs.output).toBe(0);
    expect(theirs.output).toContain('patroni acquire leader True');
    expect(theirs.output).toContain("watched [('PUT', b'gw/w', b'w1'), ('DELETE', b'gw/w', None)]");
    expect(ours.output).toBe(theirs.output);
    expect(ours.code).toBe(0);
  });
});
