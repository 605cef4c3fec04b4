import { describe, expect, it } from 'vitest';
import { IdGenerator } from '../../src/lease/index.ts';

describe('IdGenerator (etcd pkg/idutil)', () => {
  it('puts the member ID in the top 2 bytes, the start time in ms in the next 5 and counts from 1 (etcd TestNewGenerator)', () => {
    const g = new IdGenerator(0x12n, 0x3456);
    expect(g.next()).toBe(0x12000000345601n);
  });

  it('counts up by one (etcd TestNext)', () => {
    const g = new IdGenerator(0x12n, 0x3456);
    for (let i = 0n; i < 1000n; i++) expect(g.next()).toBe(0x12000000345601n + i);
  });

  it('uses only the low 16 bits of the member ID and the low 40 bits of the time', () => {
    const g = new IdGenerator(0xabcd_0000_0000_e88dn, 2 ** 41 + 5);
    expect(g.next()).toBe(0xe88d_0000_0000_0501n);
  });

  it('lets the counter carry into the timestamp, and the suffix wrap within its 6 bytes', () => {
    const g = new IdGenerator(1n, 0);
    for (let i = 0; i < 255; i++) g.next();
    expect(g.next()).toBe(0x0001_0000_0000_0100n);
    const end = new IdGenerator(1n, 2 ** 40 - 1);
    for (let i = 0; i < 255; i++) end.next();
    expect(end.next()).toBe(0x0001_0000_0000_0000n);
  });

  it('generates different IDs on different members and after a restart (etcd TestNewGeneratorUnique)', () => {
    const id = new IdGenerator(0n, 1000).next();
    expect(new IdGenerator(1n, 1000).next()).not.toBe(id);
    expect(new IdGenerator(0n, 1001).next()).not.toBe(id);
  });

  it('makes lease IDs as etcd\'s LeaseGrant does, the sign bit cleared: real etcd 3.4 on member 7616583982444832909 gave 0x688da234be0aba05', () => {
    // That member's generator started at a time whose low 40 bits were 0xa234be0aba; the lease
    // was its 5th ID (etcd drew 4 request IDs before it).
    const g = new IdGenerator(7616583982444832909n, 0xa234be0aba);
    for (let i = 0; i < 4; i++) g.next();
    expect(g.nextLeaseId()).toBe(0x688da234be0aba05n);
  });

  it('never hands out lease ID 0: it draws again', () => {
    // Member 0x8000 puts exactly the sign bit on top; when the suffix wraps to 0 the cleared ID is 0.
    const g = new IdGenerator(0x8000n, 2 ** 40 - 1);
    for (let i = 0; i < 255; i++) g.next();
    expect(g.nextLeaseId()).toBe(1n);
  });
});
