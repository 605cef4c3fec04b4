import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64, duplex, etcdClient, unary } from './grpc-client.ts';
import { startGrpcFixture, type GrpcFixture } from './harness.ts';

/**
 * fragment=true: a watch response over etcd's size limit reaches the client in parts, as etcd's
 * sendFragments cuts it. Four 1 MiB values, then a watch from revision 1: the catch-up response
 * is ~4 MiB, over the 2 MiB limit (1.5 MiB --max-request-bytes + 512 KiB), on both sides.
 */
let fixture: GrpcFixture;
beforeAll(async () => {
  fixture = await startGrpcFixture({ oracle: true });
});
afterAll(async () => {
  await fixture?.stop();
});

async function fragmentsSeen(address: string): Promise<{ fragment: boolean; keys: string[] }[]> {
  const kv = etcdClient('etcdserverpb.KV', address);
  const value = Buffer.alloc(1024 * 1024, 'x').toString('base64');
  for (let i = 0; i < 4; i++) await unary(kv, 'Put', { key: b64(`big${i}`), value });
  kv.close();
  const watch = etcdClient('etcdserverpb.Watch', address);
  const stream = duplex(watch, 'Watch');
  const parts: { fragment: boolean; keys: string[] }[] = [];
  let events = 0;
  const done = new Promise<void>((resolvePromise) =>
    stream.on('data', (r: { created?: boolean; fragment?: boolean; events?: { kv: { key: string } }[] }) => {
      if (r.created === true) return;
      parts.push({ fragment: r.fragment === true, keys: (r.events ?? []).map((e) => Buffer.from(e.kv.key, 'base64').toString()) });
      events += r.events?.length ?? 0;
      if (events === 4) resolvePromise();
    }),
  );
  stream.on('error', () => undefined);
  stream.write({ create_request: { key: b64('big'), range_end: b64('bih'), start_revision: '1', fragment: true } });
  await done;
  stream.cancel();
  watch.close();
  return parts;
}

describe('watch fragments', () => {
  it('a large watch response is cut into the same fragments as etcd cuts it', async () => {
    const proxied = await fragmentsSeen(fixture.proxied);
    const direct = await fragmentsSeen(fixture.direct!);
    expect(proxied).toEqual(direct);
    expect(proxied.length).toBeGreaterThan(1);
    expect(proxied.at(-1)!.fragment).toBe(false);
    expect(proxied.slice(0, -1).every((p) => p.fragment)).toBe(true);
  });
});
