import { RaftInvariantError } from './errors.ts';

/**
 * The last-index of each MsgApp sent to a follower in replicate state and not yet acknowledged
 * (etcd's tracker/inflights.go): a sliding window that caps how many appends are in flight.
 */
export class Inflights {
  /** A ring buffer of last indexes, oldest first. */
  private buffer: number[] = [];
  private start = 0;
  private count = 0;

  constructor(readonly size: number) {}

  add(inflight: number): void {
    if (this.full()) throw new RaftInvariantError('cannot add into a full inflights');
    let next = this.start + this.count;
    if (next >= this.size) next -= this.size;
    if (next >= this.buffer.length) this.buffer.push(inflight);
    else this.buffer[next] = inflight;
    this.count++;
  }

  /** Frees every inflight with index ≤ to (acknowledged by a MsgAppResp). */
  freeLE(to: number): void {
    if (this.count === 0 || to < (this.buffer[this.start] as number)) return;
    let idx = this.start;
    let i = 0;
    for (; i < this.count; i++) {
      if (to < (this.buffer[idx] as number)) break;
      idx++;
      if (idx >= this.size) idx -= this.size;
    }
    this.count -= i;
    this.start = idx;
    if (this.count === 0) this.start = 0;
  }

  /** Frees the oldest one (a heartbeat response proves the follower is alive: let one more go). */
  freeFirstOne(): void {
    this.freeLE(this.buffer[this.start] ?? 0);
  }

  full(): boolean {
    return this.count === this.size;
  }

  get length(): number {
    return this.count;
  }

  reset(): void {
    this.count = 0;
    this.start = 0;
  }
}
