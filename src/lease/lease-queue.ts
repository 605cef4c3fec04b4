import type { LeaseId } from './lease.ts';

interface Slot {
  id: LeaseId;
  timeMs: number;
}

/**
 * A min-heap of (lease, time) with at most one slot per lease (etcd's `LeaseExpiredNotifier` over
 * its `LeaseQueue`, lease/lease_queue.go): the lessor's expiry queue, soonest first, and its
 * checkpoint schedule. Updating a lease's time re-places its slot, O(log n); so does removing it,
 * which etcd leaves to the next poll (a revoked lease with a huge TTL would otherwise stay queued).
 */
export class LeaseQueue {
  private readonly heap: Slot[] = [];
  private readonly index = new Map<LeaseId, number>();

  get size(): number {
    return this.heap.length;
  }

  /** The soonest slot, left in place (etcd's `Poll`). */
  peek(): { readonly id: LeaseId; readonly timeMs: number } | undefined {
    return this.heap[0];
  }

  /** etcd's `RegisterOrUpdate`. */
  set(id: LeaseId, timeMs: number): void {
    const at = this.index.get(id);
    if (at === undefined) {
      this.heap.push({ id, timeMs });
      this.index.set(id, this.heap.length - 1);
      this.up(this.heap.length - 1);
      return;
    }
    this.slot(at).timeMs = timeMs;
    if (!this.down(at)) this.up(at);
  }

  delete(id: LeaseId): void {
    const at = this.index.get(id);
    if (at === undefined) return;
    this.index.delete(id);
    const last = this.heap.pop()!;
    if (at === this.heap.length) return;
    this.heap[at] = last;
    this.index.set(last.id, at);
    if (!this.down(at)) this.up(at);
  }

  clear(): void {
    this.heap.length = 0;
    this.index.clear();
  }

  private slot(i: number): Slot {
    const s = this.heap[i];
    if (s === undefined) throw new RangeError(`lease queue slot ${i} is empty`);
    return s;
  }

  /** Soonest first; equal times by ID, so the order never depends on the heap's history. */
  private less(i: number, j: number): boolean {
    const a = this.slot(i);
    const b = this.slot(j);
    return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.id < b.id);
  }

  private swap(i: number, j: number): void {
    const a = this.slot(i);
    const b = this.slot(j);
    this.heap[i] = b;
    this.heap[j] = a;
    this.index.set(b.id, i);
    this.index.set(a.id, j);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Sifts down; true if the slot moved. */
  private down(start: number): boolean {
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.heap.length) break;
      const right = left + 1;
      const child = right < this.heap.length && this.less(right, left) ? right : left;
      if (!this.less(child, i)) break;
      this.swap(i, child);
      i = child;
    }
    return i > start;
  }
}
