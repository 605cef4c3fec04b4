import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';
import { b64, etcdClient, unary } from './grpc-client.ts';

/**
 * `npm start` serves gRPC and HTTP on the same ports, front door and members, as etcd's client
 * port does: the v2 API keeps working through the sniffing listener, and a gRPC call on the
 * same port is answered by the gRPC server, which hands it to the v3 gateway behind that port.
 */
let cluster: LaunchedCluster;
beforeAll(async () => {
  cluster = await launchCluster();
});
afterAll(async () => {
  await cluster?.destroy();
});

/** The gRPC answer: OK once the gateway serves v3, Unimplemented naming the route until then. */
async function rangeThrough(port: string): Promise<{ code: number; details: string }> {
  const kv = etcdClient('etcdserverpb.KV', `127.0.0.1:${port}`);
  try {
    await unary(kv, 'Range', { key: b64('foo') });
    return { code: status.OK, details: '' };
  } catch (error) {
    const e = error as { code: number; details: string };
    return { code: e.code, details: e.details };
  } finally {
    kv.close();
  }
}

describe('gRPC on the client ports of npm start', () => {
  it('the banner says gRPC is served on the same ports', () => {
    expect(cluster.output()).toContain('gRPC (etcd\'s v3 API: etcdctl v3, clientv3) is served on the same ports');
  });

  it('HTTP still reaches the cluster through the sniffing listener, keep-alive and long polls included', async () => {
    const put = await fetch(`${cluster.url}/v2/keys/same-port`, { method: 'PUT', body: new URLSearchParams({ value: 'v' }) });
    expect(put.status).toBe(201);
    const watch = fetch(`${cluster.memberURLs[1]}/v2/keys/same-port?wait=true`).then((r) => r.json() as Promise<{ node: { value: string } }>);
    await new Promise((r) => setTimeout(r, 300));
    await fetch(`${cluster.memberURLs[2]}/v2/keys/same-port`, { method: 'PUT', body: new URLSearchParams({ value: 'w' }) });
    expect((await watch).node.value).toBe('w');
  });

  it('a gRPC call on the front door and on each member port reaches the v3 gateway behind it', async () => {
    for (const url of [cluster.url, ...cluster.memberURLs]) {
      const answer = await rangeThrough(new URL(url).port);
      expect([status.OK, status.UNIMPLEMENTED]).toContain(answer.code);
      if (answer.code === status.UNIMPLEMENTED) expect(answer.details).toBe('the v3 gateway does not serve /v3/kv/range');
    }
  });
});
