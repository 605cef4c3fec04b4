import { describe, expect, it } from 'vitest';
import { message, type Message } from '../../src/raft/index.ts';
import { decodeBatch, encodeBatch } from '../../src/member/raft-wire.ts';

describe('the flat peer batch (raft-wire)', () => {
  it('gives back every field of every message, entries and snapshots included', () => {
    const batch: Message[] = [
      message({ type: 'MsgApp', to: 'a1', from: 'b2', term: 7, logTerm: 6, index: 41, commit: 40, entries: [
        { term: 7, index: 42, type: 'normal', data: '{"put":"x"}' },
        { term: 7, index: 43, type: 'confChange', data: '{"type":"addNode","nodeId":"c3"}' },
        { term: 7, index: 44, type: 'normal', data: '' },
      ] }),
      message({ type: 'MsgAppResp', to: 'b2', from: 'a1', term: 7, index: 44, reject: true, rejectHint: 12, context: 'ctx' }),
      message({ type: 'MsgSnap', to: 'a1', from: 'b2', term: 7, snapshot: { metadata: { index: 9, term: 3, confState: { voters: ['a1', 'b2'], learners: ['c3'] } }, data: 'state' } }),
      message({ type: 'MsgHeartbeat', to: 'a1', from: 'b2', term: 2 ** 40, commit: 2 ** 52 }),
    ];
    // Through a structured clone, as Durable Object RPC copies it.
    expect(decodeBatch(structuredClone(encodeBatch(batch)))).toEqual(batch);
  });

  it('refuses a batch of the wrong shape whole', () => {
    const wire = encodeBatch([message({ type: 'MsgApp', to: 'a', from: 'b', entries: [{ term: 1, index: 1, type: 'normal', data: 'x' }] })]);
    expect(() => decodeBatch({ ...wire, entryData: [] })).toThrow('malformed raft batch');
    expect(() => decodeBatch({ ...wire, names: ['a'] })).toThrow('malformed raft batch');
    expect(() => decodeBatch({ ...wire, heads: new Float64Array([99, 0, 0, 0, 0, 0, 0, 0]) })).toThrow('malformed raft batch');
  });
});
