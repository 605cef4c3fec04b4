import { describe, expect, it } from 'vitest';
import { newLessor, primaryLessor, T0 } from './helpers.ts';

describe('lease checkpoints (off by default, as etcd 3.4)', () => {
  it('proposes nothing when checkpoints are off', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 600, T0);
    expect(lessor.dueCheckpoints(T0 + 3_600_000)).toEqual([]);
  });

  it('still applies a checkpoint from the log, and a later promotion counts from it (etcd TestLessorCheckpointsRestoredOnPromote)', () => {
    const { lessor } = newLessor();
    lessor.grant(1n, 10, T0);
    lessor.checkpoint(1n, 5, T0);
    expect(lessor.lookup(1n)?.remainingTtl).toBe(5);
    lessor.promote(T0, 0);
    expect(lessor.lookup(1n)?.remainingMs(T0)).toBe(5_000);
  });

  it('with checkpoints off, a renew counts a checkpoint that came through the log, as etcd\'s refresh(0) does', () => {
    const { lessor } = primaryLessor();
    lessor.grant(1n, 10, T0);
    lessor.checkpoint(1n, 6, T0);
    expect(lessor.renew(1n, T0 + 1_000)).toBe(10);
    expect(lessor.lookup(1n)?.remainingMs(T0 + 1_000)).toBe(6_000);
  });

  it('ignores a checkpoint of an unknown lease', () => {
    const { lessor } = newLessor();
    expect(() => lessor.checkpoint(1n, 5, T0)).not.toThrow();
  });

  it('schedules a lease\'s remaining TTL once per interval on the primary (etcd TestLessorCheckpointScheduling)', () => {
    const { lessor } = newLessor({ minTtl: 1, checkpointIntervalMs: 1_000 });
    lessor.grant(1n, 2, T0);
    lessor.promote(T0, 0);
    expect(lessor.dueCheckpoints(T0 + 999)).toEqual([]);
    expect(lessor.dueCheckpoints(T0 + 1_000)).toEqual([{ id: 1n, remainingTtl: 1 }]);
    expect(lessor.dueCheckpoints(T0 + 1_500)).toEqual([]);
  });

  it('rounds the checkpointed remaining TTL up to whole seconds, and schedules the next one when it is applied', () => {
    const { lessor } = primaryLessor({ checkpointIntervalMs: 60_000 });
    lessor.grant(1n, 300, T0);
    expect(lessor.dueCheckpoints(T0 + 60_000)).toEqual([{ id: 1n, remainingTtl: 240 }]);
    lessor.checkpoint(1n, 240, T0 + 60_100);
    expect(lessor.dueCheckpoints(T0 + 120_099)).toEqual([]);
    expect(lessor.dueCheckpoints(T0 + 120_100)).toEqual([{ id: 1n, remainingTtl: 180 }]);
  });

  it('does not schedule a lease whose TTL is within one interval', () => {
    const { lessor } = primaryLessor({ checkpointIntervalMs: 10_000 });
    lessor.grant(1n, 10, T0);
    expect(lessor.dueCheckpoints(T0 + 10_000)).toEqual([]);
  });

  it('a new leader gives a checkpointed lease only what was left of it, plus the extension', () => {
    const { lessor } = primaryLessor({ checkpointIntervalMs: 60_000 });
    lessor.grant(1n, 300, T0);
    for (const c of lessor.dueCheckpoints(T0 + 60_000)) lessor.checkpoint(c.id, c.remainingTtl, T0 + 60_000);
    lessor.demote();
    lessor.promote(T0 + 70_000, 1_000);
    expect(lessor.lookup(1n)?.remainingMs(T0 + 70_000)).toBe(241_000);
  });

  it('a renew of a checkpointed lease restores its full TTL and proposes clearing the checkpoint first', () => {
    const { lessor } = primaryLessor({ checkpointIntervalMs: 60_000 });
    lessor.grant(1n, 300, T0);
    lessor.grant(2n, 300, T0);
    for (const c of lessor.dueCheckpoints(T0 + 60_000)) lessor.checkpoint(c.id, c.remainingTtl, T0 + 60_000);
    expect(lessor.renew(1n, T0 + 61_000)).toBe(300);
    expect(lessor.lookup(1n)?.remainingMs(T0 + 61_000)).toBe(300_000);
    expect(lessor.dueCheckpoints(T0 + 61_000)).toEqual([{ id: 1n, remainingTtl: 0 }]);
    lessor.checkpoint(1n, 0, T0 + 61_000);
    expect(lessor.lookup(1n)?.remainingTtl).toBe(0);
    expect(lessor.dueCheckpoints(T0 + 61_000)).toEqual([]);
  });

  it('proposes at most `limit` checkpoints per call', () => {
    const { lessor } = primaryLessor({ checkpointIntervalMs: 60_000 });
    for (let i = 1n; i <= 5n; i++) lessor.grant(i, 300, T0);
    expect(lessor.dueCheckpoints(T0 + 60_000, 3).map((c) => c.id)).toEqual([1n, 2n, 3n]);
    expect(lessor.dueCheckpoints(T0 + 60_000, 3).map((c) => c.id)).toEqual([4n, 5n]);
  });

  it('proposes nothing on a follower, and demote drops the schedule', () => {
    const { lessor } = primaryLessor({ checkpointIntervalMs: 1_000 });
    lessor.grant(1n, 300, T0);
    lessor.demote();
    expect(lessor.dueCheckpoints(T0 + 10_000)).toEqual([]);
  });

  it('keeps checkpoints in memory only, unless asked to persist them (etcd 3.4 without --experimental-enable-lease-checkpoint-persist)', () => {
    for (const [checkpointPersist, expected] of [
      [false, 0],
      [true, 5],
    ] as const) {
      const { lessor, store } = newLessor({ checkpointIntervalMs: 1_000, checkpointPersist });
      lessor.grant(2n, 10, T0);
      lessor.checkpoint(2n, 5, T0);
      const { lessor: restarted } = newLessor({ checkpointIntervalMs: 1_000, checkpointPersist }, store);
      expect(restarted.lookup(2n)?.remainingTtl, `persist ${checkpointPersist}`).toBe(expected);
    }
  });
});
