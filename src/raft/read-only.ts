import type { Message, NodeId } from './messages.ts';

/** A read request waiting for its heartbeat round (etcd's readIndexStatus). */
export interface ReadIndexStatus {
  /** The original MsgReadIndex (from the application or a follower). */
  req: Message;
  /** The leader's commit index when the request arrived. */
  index: number;
  acks: Set<NodeId>;
}

/**
 * The leader's queue of ReadIndex requests (thesis §6.4; etcd's read_only.go, ReadOnlySafe).
 * Each request records the commit index at arrival and its context travels on the next heartbeat;
 * when a quorum acknowledges a heartbeat carrying ctx, every request queued up to and including
 * ctx is confirmed (batching: one round serves all earlier requests).
 */
export class ReadOnly {
  private pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  /** Queues a request; a duplicate context is ignored (its first copy will be answered). */
  addRequest(index: number, m: Message): void {
    const ctx = m.context;
    if (this.pending.has(ctx)) return;
    this.pending.set(ctx, { index, req: m, acks: new Set() });
    this.queue.push(ctx);
  }

  /** Records a heartbeat ack for ctx; returns the acks so far (undefined for an unknown ctx). */
  recvAck(id: NodeId, ctx: string): Set<NodeId> | undefined {
    const rs = this.pending.get(ctx);
    if (rs === undefined) return undefined;
    rs.acks.add(id);
    return rs.acks;
  }

  /** Dequeues and returns every request up to and including ctx (confirmed by the same round). */
  advance(ctx: string): ReadIndexStatus[] {
    const at = this.queue.indexOf(ctx);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    const out: ReadIndexStatus[] = [];
    for (const c of done) {
      const rs = this.pending.get(c);
      if (rs !== undefined) out.push(rs);
      this.pending.delete(c);
    }
    return out;
  }

  /** The context the next heartbeat should carry, '' if none pending. */
  lastPendingRequestCtx(): string {
    return this.queue[this.queue.length - 1] ?? '';
  }

  get size(): number {
    return this.queue.length;
  }
}
