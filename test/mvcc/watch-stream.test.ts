import { describe, expect, it } from 'vitest';
import {
  WatchableStore,
  WatchStream,
  type WatchCreateRequest,
  type WatchStreamResponse,
} from '../../src/mvcc/index.ts';
import type { WatchCreateRequest as RpcWatchCreateRequest } from '../../src/server/v3/rpc.ts';
import { MemoryBackend } from '../helpers/memory-backend.ts';
import { kv } from './helpers.ts';

function setup() {
  const store = new WatchableStore(new MemoryBackend());
  const got: WatchStreamResponse[] = [];
  const stream = new WatchStream(store, (r) => {
    got.push(r);
    return true;
  });
  return { store, stream, got };
}

const create = (key: string, more: Partial<WatchCreateRequest> = {}): WatchCreateRequest => ({
  key,
  rangeEnd: '',
  startRevision: 0,
  progressNotify: false,
  filters: [],
  prevKv: false,
  watchId: 0,
  ...more,
});

const base = { created: false, canceled: false, compactRevision: 0, cancelReason: '', events: [] };

describe('WatchStream', () => {
  it('answers a create at the current revision with IDs picked from 0 up', () => {
    const { store, stream, got } = setup();
    store.put('x', '1');
    expect(stream.create(create('foo'))).toBe(0);
    expect(stream.create(create('foo'))).toBe(1);
    expect(got).toEqual([
      { ...base, revision: 2, watchId: 0, created: true },
      { ...base, revision: 2, watchId: 1, created: true },
    ]);
  });

  it('takes a client-chosen ID, refuses it twice, and picks around it (etcd TestWatcherRequestsCustomID)', () => {
    const { stream, got } = setup();
    expect(stream.create(create('foo', { watchId: 1 }))).toBe(1);
    expect(stream.create(create('foo', { watchId: 1 }))).toBe(-1);
    expect(stream.create(create('foo'))).toBe(0);
    expect(stream.create(create('foo'))).toBe(2);
    expect(got[1]).toEqual({
      ...base,
      revision: 1,
      watchId: -1,
      created: true,
      canceled: true,
      cancelReason: 'mvcc: duplicate watch ID provided on the WatchStream',
    });
  });

  it('refuses an empty range, and any create once closed (etcd TestWatcherWatchWrongRange)', () => {
    const { stream, got } = setup();
    for (const [key, end] of [['foa', 'foa'], ['fob', 'foa']] as const) {
      expect(stream.create(create(key, { rangeEnd: end }))).toBe(-1);
    }
    expect(stream.create(create('foo', { rangeEnd: '\0' }))).toBe(0);
    stream.close();
    expect(stream.create(create('foo'))).toBe(-1);
    expect(got.map((r) => r.cancelReason)).toEqual(['mvcc: watcher range is empty', 'mvcc: watcher range is empty', '', 'mvcc: watcher range is empty']);
  });

  it('watches every key for an empty key (\\0 is the smallest key)', () => {
    const { store, stream, got } = setup();
    stream.create(create('', { rangeEnd: '\0' }));
    store.put('a', '1');
    store.put('\x01', '2');
    expect(got.slice(1).map((r) => r.events[0]?.kv.key)).toEqual(['a', '\x01']);
  });

  it('sends events with the header at their revision, one response per revision', () => {
    const { store, stream, got } = setup();
    const id = stream.create(create('foo', { rangeEnd: 'fop' }));
    store.put('foo', 'bar', 0n);
    const txn = store.write();
    txn.put('foo1', 'a');
    txn.put('foo2', 'b');
    txn.end();
    expect(got.slice(1)).toEqual([
      { ...base, revision: 2, watchId: id, events: [{ type: 'PUT', kv: kv('foo', 'bar', 2, 2, 1) }] },
      { ...base, revision: 3, watchId: id, events: [{ type: 'PUT', kv: kv('foo1', 'a', 3, 3, 1) }, { type: 'PUT', kv: kv('foo2', 'b', 3, 3, 1) }] },
    ]);
  });

  it('starts an old-revision watch in the past and catches up when the store syncs', () => {
    const { store, stream, got } = setup();
    store.put('foo', 'a');
    store.put('foo', 'b');
    stream.create(create('foo', { startRevision: 2 }));
    expect(got).toHaveLength(1);
    store.syncWatchers();
    expect(got[1]).toEqual({
      ...base,
      revision: 3,
      watchId: 0,
      events: [{ type: 'PUT', kv: kv('foo', 'a', 2, 2, 1) }, { type: 'PUT', kv: kv('foo', 'b', 2, 3, 2) }],
    });
  });

  it('adds the previous key-value to overwrites and deletes, not to creations', () => {
    const { store, stream, got } = setup();
    stream.create(create('foo', { prevKv: true }));
    store.put('foo', 'a');
    store.put('foo', 'b');
    store.deleteRange('foo', '');
    const events = got.slice(1).map((r) => r.events[0]);
    expect(events[0]).toEqual({ type: 'PUT', kv: kv('foo', 'a', 2, 2, 1) });
    expect(events[1]).toEqual({ type: 'PUT', kv: kv('foo', 'b', 2, 3, 2), prevKv: kv('foo', 'a', 2, 2, 1) });
    expect(events[2]).toEqual({ type: 'DELETE', kv: kv('foo', '', 0, 4, 0), prevKv: kv('foo', 'b', 2, 3, 2) });
  });

  it('gives no previous key-value when the revision before is compacted', () => {
    const { store, stream, got } = setup();
    store.put('foo', 'a'); // 2
    store.put('foo', 'b'); // 3
    store.put('foo', 'c'); // 4
    store.compact(4);
    stream.create(create('foo', { prevKv: true, startRevision: 4 }));
    store.syncWatchers();
    expect(got[1]?.events).toEqual([{ type: 'PUT', kv: kv('foo', 'c', 2, 4, 3) }]);
  });

  it('filters out puts or deletes as asked', () => {
    const { store, stream, got } = setup();
    const noPut = stream.create(create('foo', { filters: ['NOPUT'] }));
    const noDelete = stream.create(create('foo', { filters: ['NODELETE'] }));
    store.put('foo', 'a');
    store.deleteRange('foo', '');
    const seen = got.slice(2).map((r) => [r.watchId, r.events.map((e) => e.type)]);
    expect(seen).toEqual([[noDelete, ['PUT']], [noPut, ['DELETE']]]);
  });

  it('answers a cancel with canceled, and an unknown ID with nothing', () => {
    const { store, stream, got } = setup();
    const id = stream.create(create('foo'));
    store.put('x', '1');
    expect(stream.cancel(id)).toBe(true);
    expect(stream.cancel(id)).toBe(false);
    expect(stream.cancel(99)).toBe(false);
    store.put('foo', 'a');
    expect(got.slice(1)).toEqual([{ ...base, revision: 2, watchId: id, canceled: true }]);
  });

  it('cancels a watch whose start is compacted, header revision 0, and keeps its ID taken until cancelled', () => {
    const { store, stream, got } = setup();
    for (let i = 0; i < 5; i++) store.put('foo', 'v');
    store.compact(5);
    const id = stream.create(create('foo', { startRevision: 2, watchId: 3 }));
    store.syncWatchers();
    expect(got[1]).toEqual({ ...base, revision: 0, watchId: 3, canceled: true, compactRevision: 5 });
    expect(stream.create(create('foo', { watchId: 3 }))).toBe(-1);
    expect(stream.cancel(id)).toBe(true);
    expect(got[3]).toEqual({ ...base, revision: 6, watchId: 3, canceled: true });
    expect(stream.create(create('foo', { watchId: 3 }))).toBe(3);
  });

  it('answers a progress request at once with ID -1 and the current revision', () => {
    const { store, stream, got } = setup();
    store.put('a', '1');
    stream.requestProgress();
    expect(got).toEqual([{ ...base, revision: 2, watchId: -1 }]);
  });

  it('sends periodic progress to quiet synced watches that asked for it, not to busy ones', () => {
    const { store, stream, got } = setup();
    const quiet = stream.create(create('q', { progressNotify: true }));
    const busy = stream.create(create('b', { progressNotify: true }));
    stream.create(create('n'));
    got.length = 0;
    // etcd's progress[id] starts true, so the first tick sends to each watch that asked.
    stream.progressTick();
    expect(got.map((r) => r.watchId).sort()).toEqual([quiet, busy].sort());
    got.length = 0;
    store.put('b', '1');
    got.length = 0;
    stream.progressTick();
    expect(got).toEqual([{ ...base, revision: 2, watchId: quiet }]);
    got.length = 0;
    stream.progressTick();
    expect(got.map((r) => r.watchId).sort()).toEqual([quiet, busy].sort());
  });

  it('sends no periodic progress to a watch that is still catching up', () => {
    const { store, stream, got } = setup();
    store.put('foo', 'a');
    stream.create(create('foo', { progressNotify: true, startRevision: 1 }));
    got.length = 0;
    stream.progressTick();
    expect(got).toEqual([]);
  });

  it("takes the v3 server's own WatchCreateRequest as it is", () => {
    const { stream, got } = setup();
    const request: RpcWatchCreateRequest = {
      key: 'foo',
      rangeEnd: '',
      startRevision: 0,
      progressNotify: false,
      filters: ['NOPUT'],
      prevKv: true,
      watchId: 0,
      fragment: false,
    };
    expect(stream.create(request)).toBe(0);
    expect(got[0]?.created).toBe(true);
  });

  it('stops every watch on close', () => {
    const { store, stream, got } = setup();
    stream.create(create('foo'));
    stream.close();
    store.put('foo', 'a');
    expect(got).toHaveLength(1);
    expect(store.watcherCounts()).toEqual({ synced: 0, unsynced: 0, victims: 0 });
  });
});
