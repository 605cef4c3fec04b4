import { describe, expect, it } from 'vitest';
import { parseWatchLine } from '../../src/ui/api/v3-gateway.ts';
import { leaseHex, leaseSecondsLeft, V3KeyTree, type V3Key } from '../../src/ui/model/v3-key-tree.ts';

const kv = (key: string, modRevision = 2, lease = '0'): V3Key => ({ key, value: 'v', createRevision: 2, modRevision, version: 1, lease });

describe("the console's copy of the v3 keyspace", () => {
  it('browses flat keys as a tree split after each slash, prefixes first, in byte order', () => {
    const tree = V3KeyTree.fromRange([kv('/config/app/name'), kv('a'), kv('a/b'), kv('a/'), kv('b\xff'), kv('b\x01')], 9);
    expect(tree.children('')).toEqual({ prefixes: ['/', 'a/'], keys: [kv('a'), kv('b\x01'), kv('b\xff')] });
    expect(tree.children('/').prefixes).toEqual(['/config/']);
    expect(tree.children('/config/app/').keys.map((k) => k.key)).toEqual(['/config/app/name']);
    // A key ending in a slash is the empty-named key of its own prefix.
    expect(tree.children('a/').keys.map((k) => k.key)).toEqual(['a/', 'a/b']);
    expect(tree.countUnder('a')).toBe(3);
  });

  it('follows PUT and DELETE events and the revision of each watch response', () => {
    const tree = V3KeyTree.fromRange([kv('x/1')], 5);
    expect(tree.apply([{ type: 'PUT', kv: kv('x/2', 6) }, { type: 'DELETE', kv: { ...kv('x/1', 6), createRevision: 0, version: 0 } }], 6)).toEqual(['x/2', 'x/1']);
    expect(tree.children('x/').keys.map((k) => k.key)).toEqual(['x/2']);
    expect(tree.revision).toBe(6);
    tree.apply([], 4);
    expect(tree.revision).toBe(6);
  });

  it("counts a lease down by the page's clock, and asks again when it ends while keys still hang on it", () => {
    const tree = V3KeyTree.fromRange([kv('s', 2, '7587879381155176452')], 2);
    const key = tree.get('s')!;
    expect(tree.unknownLeases()).toEqual(['7587879381155176452']);
    expect(leaseSecondsLeft(tree, key, 0)).toBeUndefined();
    tree.learnLease('7587879381155176452', 4, 5, 10_000);
    expect(tree.unknownLeases()).toEqual([]);
    expect(leaseSecondsLeft(tree, key, 10_000)).toBe(4);
    expect(leaseSecondsLeft(tree, key, 12_500)).toBe(2);
    expect(tree.leasesToRecheck(13_000, 1_000)).toEqual([]);
    expect(tree.leasesToRecheck(14_000, 1_000)).toEqual(['7587879381155176452']);
    tree.learnLease('7587879381155176452', -1, 0, 14_000);
    expect(leaseSecondsLeft(tree, key, 14_000)).toBe(0);
    expect(leaseHex('7587879381155176452')).toBe('694d90184843e004');
    expect(leaseHex('255')).toBe('00000000000000ff');
  });
});

describe("the console's reading of /v3/watch lines", () => {
  it('reads created, events (PUT as the omitted zero type), compaction and errors', () => {
    expect(parseWatchLine('{"result":{"header":{"revision":"7"},"created":true}}')).toEqual({ kind: 'created', revision: 7 });
    const events = parseWatchLine(
      '{"result":{"header":{"revision":"8"},"events":[{"kv":{"key":"YQ==","create_revision":"8","mod_revision":"8","version":"1","value":"MQ==","lease":"42"}},{"type":"DELETE","kv":{"key":"Yg==","mod_revision":"8"}}]}}',
    );
    expect(events).toEqual({
      kind: 'events',
      revision: 8,
      events: [
        { type: 'PUT', kv: { key: 'a', value: '1', createRevision: 8, modRevision: 8, version: 1, lease: '42' } },
        { type: 'DELETE', kv: { key: 'b', value: '', createRevision: 0, modRevision: 8, version: 0, lease: '0' } },
      ],
    });
    expect(parseWatchLine('{"result":{"header":{"revision":"9"},"canceled":true,"compact_revision":"5"}}')).toEqual({ kind: 'compacted', compactRevision: 5 });
    expect(parseWatchLine('{"error":{"grpc_code":14,"message":"etcdserver: no leader"}}')).toEqual({ kind: 'error', message: 'etcdserver: no leader' });
  });
});
