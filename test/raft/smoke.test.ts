import { describe, expect, it } from 'vitest';
import { Cluster } from './cluster.ts';

describe('smoke', () => {
  it('elects a leader and replicates', () => {
    const c = new Cluster(['1', '2', '3']);
    c.get('1').node.campaign();
    c.stabilize();
    expect(c.leader()).toBe('1');
    c.get('1').node.propose('hello');
    c.get('2').node.propose('via-follower');
    c.stabilize();
    for (const id of ['1', '2', '3']) expect(c.appliedData(id)).toEqual(['hello', 'via-follower']);
  });

  it('elects by ticking with prevote and check quorum', () => {
    const c = new Cluster(['1', '2', '3'], { preVote: true, checkQuorum: true });
    for (let i = 0; i < 100 && c.leader() === undefined; i++) {
      c.tickAll();
      c.stabilize();
    }
    expect(c.leader()).toBeDefined();
  });
});
