import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGrpcFixture, type GrpcFixture } from './harness.ts';

/**
 * Debian's python3-etcd3 (gRPC, run by /usr/bin/python3): one session through the gRPC server
 * and the same session against a fresh real etcd directly must print the same.
 */
const SESSION = join(import.meta.dirname, 'python', 'etcd3_session.py');

function session(address: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [host, port] = address.split(':') as [string, string];
  return new Promise((resolvePromise) => {
    const child = spawn('/usr/bin/python3', [SESSION, host, port], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Member names are each cluster's own (etcd1.., node1..): the session's lists compared without them. */
function withoutNames(seen: Record<string, unknown>): Record<string, unknown> {
  const members = (seen.members as [string, ...unknown[]][]).map(([, ...rest]) => rest);
  const [version, term] = seen.status as [string, number, string];
  return { ...seen, members, status: [version, term] };
}

let fixture: GrpcFixture;
beforeAll(async () => {
  // Against edgecd's three members, the oracle is three members too, reached at its leader.
  fixture = await startGrpcFixture({ oracle: (process.env.GRPC_UPSTREAM ?? 'edgecd') === 'edgecd' ? 3 : true });
});
afterAll(async () => {
  await fixture?.stop();
});

describe('python3-etcd3 through the gRPC server', () => {
  it('get/put/delete/prefix, transactions, leases, watch and cancel, locks, members: as against etcd', async () => {
    const [proxied, direct] = await Promise.all([session(fixture.proxied), session(fixture.direct!)]);
    expect(direct.stderr).toBe('');
    expect(direct.code).toBe(0);
    expect(proxied.stderr).toBe('');
    const seen = JSON.parse(proxied.stdout) as Record<string, unknown>;
    expect(withoutNames(seen)).toEqual(withoutNames(JSON.parse(direct.stdout) as Record<string, unknown>));
    // The session did what it says (not two sides failing alike).
    expect(seen.get).toEqual(['3', { key: '/py/a', create: 2, mod: 4, version: 2 }]);
    expect(seen['txn-success']).toEqual([true, ['ResponseOp', [['3', { key: '/py/a', create: 2, mod: 4, version: 2 }]]]]);
    expect(seen.watch).toEqual([['PutEvent', '/py/w/1', 'one'], ['PutEvent', '/py/w/2', 'two'], ['DeleteEvent', '/py/w/1', '']]);
    expect(seen['watch-ended']).toBe(true);
    expect(seen.lock).toEqual([true, true]);
    expect(seen['compact-again']).toEqual(['StatusCode.OUT_OF_RANGE', 'etcdserver: mvcc: required revision has been compacted']);
  });
});
