import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64, duplex, etcdClient, unb64 } from './grpc-client.ts';
import { startGrpcFixture, type GrpcFixture } from './harness.ts';

/**
 * The upstream goes away mid-stream (a real etcd SIGKILLed and started again on the same data
 * dir and port, twice) while a writer keeps writing. The watch stream and the keep-alive stream
 * stay up; what the client saw must equal the writes: every event once, in revision order, under
 * the watch IDs it was given, each `created` once.
 */
let fixture: GrpcFixture;

beforeAll(async () => {
  fixture = await startGrpcFixture({ upstream: 'etcd' });
});
afterAll(async () => {
  await fixture?.stop();
});

interface SeenEvent {
  key: string;
  value: string;
  revision: number;
}

/** Writes `count` keys through the gateway directly, each a create-if-absent txn so a retry after an unknown outcome cannot write twice. */
async function writeKeys(prefix: string, count: number, onWrite: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < count; i++) {
    const key = b64(`${prefix}${i}`);
    const body = JSON.stringify({
      compare: [{ key, target: 'CREATE', result: 'EQUAL', create_revision: '0' }],
      success: [{ request_put: { key, value: b64(`v${i}`) } }],
    });
    for (;;) {
      const ok = await fetch(`${fixture.upstream!.clientURL}/v3/kv/txn`, { method: 'POST', body }).then((r) => r.ok).catch(() => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 30));
    }
    await onWrite(i);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function written(prefix: string): Promise<SeenEvent[]> {
  const response = await fetch(`${fixture.upstream!.clientURL}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: b64(prefix), range_end: b64(prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)) }),
  });
  const { kvs = [] } = (await response.json()) as { kvs?: { key: string; value: string; mod_revision: string }[] };
  return kvs.map((kv) => ({ key: unb64(kv.key), value: unb64(kv.value), revision: Number(kv.mod_revision) })).sort((a, b) => a.revision - b.revision);
}

describe('streams survive the upstream restarting', () => {
  it('a watch stream resumes each watch at its next revision: no event lost, repeated or reordered; IDs and created kept', async () => {
    const watch = etcdClient('etcdserverpb.Watch', fixture.proxied);
    const stream = duplex(watch, 'Watch');
    const responses: Record<string, unknown>[] = [];
    stream.on('data', (r: Record<string, unknown>) => responses.push(r));
    const streamError = new Promise<Error>((r) => stream.on('error', r));
    // One watch from "now" with an ID etcd picks, one from a given revision with an asked-for ID.
    stream.write({ create_request: { key: b64('r/'), range_end: b64('r0') } });
    stream.write({ create_request: { key: b64('r/k1'), range_end: b64('r/k2'), start_revision: '1', watch_id: '100', prev_kv: true } });
    await until(() => responses.filter((r) => r.created === true).length === 2);

    await writeKeys('r/k', 150, async (i) => {
      if (i === 50 || i === 100) {
        await fixture.upstream!.kill();
        await fixture.upstream!.restart();
      }
    });
    const writes = await written('r/k');
    expect(writes).toHaveLength(150);
    const eventsOf = (id: string): SeenEvent[] =>
      responses
        .filter((r) => String(r.watch_id ?? '0') === id && !r.created)
        .flatMap((r) => (r.events as { kv: { key: string; value: string; mod_revision: string } }[] | undefined) ?? [])
        .map((e) => ({ key: unb64(e.kv.key), value: unb64(e.kv.value), revision: Number(e.kv.mod_revision) }));
    await until(() => eventsOf('0').length >= 150 && eventsOf('100').length >= writes.filter((w) => w.key.startsWith('r/k1')).length);
    // A moment more: anything repeated after the last write would show up now.
    await new Promise((r) => setTimeout(r, 500));

    expect(eventsOf('0')).toEqual(writes);
    expect(eventsOf('100')).toEqual(writes.filter((w) => w.key.startsWith('r/k1')));
    const created = responses.filter((r) => r.created === true).map((r) => String(r.watch_id ?? '0'));
    expect(created).toEqual(['0', '100']);
    expect(responses.every((r) => ['0', '100'].includes(String(r.watch_id ?? '0')))).toBe(true);
    expect(responses.some((r) => r.canceled === true)).toBe(false);

    stream.cancel();
    await streamError;
    watch.close();
  });

  it('a keep-alive stream answers every request across restarts, the lease kept alive', async () => {
    const lease = etcdClient('etcdserverpb.Lease', fixture.proxied);
    const grant = await new Promise<{ ID: string }>((resolvePromise, reject) =>
      lease.LeaseGrant!({ TTL: '30' }, (e: Error | null, r: { ID: string }) => (e === null ? resolvePromise(r) : reject(e))),
    );
    const stream = duplex(lease, 'LeaseKeepAlive');
    const answers: Record<string, unknown>[] = [];
    stream.on('data', (r: Record<string, unknown>) => answers.push(r));
    const sent = 30;
    for (let i = 0; i < sent; i++) {
      stream.write({ ID: grant.ID });
      if (i === 10 || i === 20) {
        await fixture.upstream!.kill();
        await fixture.upstream!.restart();
      }
      await new Promise((r) => setTimeout(r, 30));
    }
    await until(() => answers.length >= sent);
    await new Promise((r) => setTimeout(r, 300));
    expect(answers).toHaveLength(sent);
    expect(answers.every((a) => a.ID === grant.ID && Number(a.TTL) > 0)).toBe(true);
    const ended = new Promise<void>((r) => stream.on('end', () => r()));
    stream.end();
    await ended;
    lease.close();
  });
});

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
