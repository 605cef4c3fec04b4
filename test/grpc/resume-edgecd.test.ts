import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callControl } from '../../scripts/control.ts';
import { b64, duplex, etcdClient, unb64 } from './grpc-client.ts';
import { startGrpcFixture, type GrpcFixture } from './harness.ts';

/**
 * The same stream guarantees as resume.test.ts, on edgecd itself: a gRPC watch stream on `npm
 * start`'s client port while the member holding its upstream stream (the leader, which the front
 * door routes to) is reset twice, and a writer keeps writing through the front door. What the
 * client saw must equal the log: every write once, in revision order, no `created` repeated.
 */
let fixture: GrpcFixture;

beforeAll(async () => {
  fixture = await startGrpcFixture({ upstream: 'edgecd', host: 'launcher' });
});
afterAll(async () => {
  await fixture?.stop();
});

const url = (): string => fixture.cluster!.url;

async function resetLeader(): Promise<void> {
  const leader = (await (await fetch(`${url()}/v2/members/leader`)).json()) as { name: string };
  await callControl(fixture.cluster!.dataDir, 'POST', `/members/${leader.name}/abort`);
}

/** Create-if-absent txns, retried until answered: a retry after an unknown outcome cannot write twice. */
async function writeKeys(prefix: string, count: number, onWrite: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < count; i++) {
    const key = b64(`${prefix}${i}`);
    const body = JSON.stringify({
      compare: [{ key, target: 'CREATE', result: 'EQUAL', create_revision: '0' }],
      success: [{ request_put: { key, value: b64(`v${i}`) } }],
    });
    for (;;) {
      const ok = await fetch(`${url()}/v3/kv/txn`, { method: 'POST', body }).then((r) => r.ok).catch(() => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await onWrite(i);
  }
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a gRPC watch stream on edgecd', () => {
  it('survives two leader resets: every write seen once, in revision order, created once', async () => {
    const watch = etcdClient('etcdserverpb.Watch', fixture.proxied);
    const stream = duplex(watch, 'Watch');
    const responses: Record<string, unknown>[] = [];
    stream.on('data', (r: Record<string, unknown>) => responses.push(r));
    const streamError = new Promise<Error>((r) => stream.on('error', r));
    stream.write({ create_request: { key: b64('e/'), range_end: b64('e0') } });
    await until(() => responses.some((r) => r.created === true));

    await writeKeys('e/k', 60, async (i) => {
      if (i === 20 || i === 40) await resetLeader();
    });
    const range = await fetch(`${url()}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64('e/'), range_end: b64('e0') }) });
    const { kvs = [] } = (await range.json()) as { kvs?: { key: string; value: string; mod_revision: string }[] };
    const writes = kvs.map((kv) => ({ key: unb64(kv.key), value: unb64(kv.value), revision: Number(kv.mod_revision) })).sort((a, b) => a.revision - b.revision);
    expect(writes).toHaveLength(60);
    const events = (): { key: string; value: string; revision: number }[] =>
      responses
        .filter((r) => !r.created)
        .flatMap((r) => (r.events as { kv: { key: string; value: string; mod_revision: string } }[] | undefined) ?? [])
        .map((e) => ({ key: unb64(e.kv.key), value: unb64(e.kv.value), revision: Number(e.kv.mod_revision) }));
    await until(() => events().length >= 60);
    await new Promise((r) => setTimeout(r, 500));
    expect(events()).toEqual(writes);
    expect(responses.filter((r) => r.created === true)).toHaveLength(1);
    expect(responses.some((r) => r.canceled === true)).toBe(false);
    stream.cancel();
    await streamError;
    watch.close();
  });
});
