import type { Message } from '../raft/index.ts';
import type { PeerTransport } from '../server/index.ts';
import { applyFaults, NO_FAULTS, type FaultPlan } from './faults.ts';
import { decodeBatch, encodeBatch, type WireBatch } from './raft-wire.ts';

/** Internal header naming the member a stub request is for (its Durable Object name). */
export const MEMBER_HEADER = 'X-Edgecd-Member';

/**
 * What a member answers a peer's batch with: its replies to the sender (acknowledgements riding
 * the answer), nothing to say, `'removed'` (the sender was removed from the cluster: etcd's
 * rafthttp 410 Gone) or `'not-serving'` (this member is removed or not started).
 */
export type RaftAnswer = WireBatch | null | 'removed' | 'not-serving';

/** The Durable Object RPC a member offers its peers (Member.raft). */
export interface RaftPeer {
  raft(to: string, from: string, batch: WireBatch): Promise<RaftAnswer>;
}

/**
 * The peer `name`'s RPC face. The binding is typed without its class (MemberEnv is shared with the
 * worker, which only fetches); every object behind it is a Member, whose `raft` this calls.
 */
export function raftPeerOf(namespace: DurableObjectNamespace, name: string): RaftPeer {
  return namespace.get(namespace.idFromName(name)) as unknown as RaftPeer;
}

export interface PeerTransportOptions {
  /** The stub of the member named `name` (a fresh one after a failure: a broken stub stays broken). */
  peer(name: string): RaftPeer;
  self: string;
  /** The Durable Object name of a Raft member ID, or undefined if it is not (or no longer) known. */
  resolve(id: string): string | undefined;
  /** A peer could not be reached (Raft then probes it instead of streaming). */
  onUnreachable(id: string): void;
  /**
   * A batch carrying MsgApps reached peer `id` and was answered after `ms` (the leader's follower
   * latency in `/v2/stats/leader`); `failed` is a batch that did not get through.
   */
  onDelivered?(id: string, ms: number): void;
  onFailed?(id: string): void;
  /** A peer answered that this member was removed from the cluster (etcd: HTTP 410 from rafthttp). */
  onRemoved(): void;
  /** Messages a peer sent back in its answer (see `captureReplies`). */
  onReply(messages: Message[]): void;
  /** Gives up on a request that takes longer than this (a peer that hangs must not block us). */
  timeoutMs: number;
}

/**
 * Raft messages to peers over Durable Object stubs, fire-and-forget. One request per peer is in
 * flight at a time; messages produced meanwhile are batched into the next one, so a busy leader
 * sends one AppendEntries batch per follower per round, in order.
 */
export class StubPeerTransport implements PeerTransport<Message> {
  private readonly peers = new Map<string, PeerChannel>();
  private capturing: { peer: string; replies: Message[] } | undefined;
  /** Test and local builds only (see faults.ts). */
  faults: FaultPlan = NO_FAULTS;

  constructor(private readonly options: PeerTransportOptions) {}

  /**
   * Gives up on the batches in flight for longer than the timeout (called on every tick): a peer
   * that hangs must not hold its channel. One sweep per tick rather than a timer per batch (a
   * timer's arming and clearing was a measurable share of the leader's time per round).
   */
  expireStuck(now: number): void {
    for (const channel of this.peers.values()) channel.expireIfStuck(now);
  }

  send(messages: readonly Message[]): void {
    // A turn hands over its messages in two halves (before and after its write); one is often empty.
    if (messages.length === 0) return;
    for (const m of messages) {
      const name = this.options.resolve(m.to);
      if (name === undefined) continue;
      if (this.capturing?.peer === name) {
        this.capturing.replies.push(m);
        continue;
      }
      let channel = this.peers.get(name);
      if (channel === undefined) {
        channel = new PeerChannel(name, this.options, () => this.faults);
        this.peers.set(name, channel);
      }
      channel.enqueue(m);
    }
    for (const channel of this.peers.values()) channel.flush();
  }

  /**
   * Runs `turn` (a ready-loop turn) and hands back, instead of sending, what it addresses to
   * `peer`: the caller answers `peer`'s request with them. A follower's acknowledgement then rides
   * the response to the leader's AppendEntries (one stub round trip per round, not two); the
   * output gate still holds that response until the turn's writes are durable.
   */
  captureReplies(peer: string, turn: () => void): Message[] {
    this.capturing = { peer, replies: [] };
    try {
      turn();
      return applyFaults(this.faults, peer, this.capturing.replies);
    } finally {
      this.capturing = undefined;
    }
  }
}

/** At most this many messages wait for a busy peer; beyond it they are dropped (Raft resends). */
const MAX_QUEUED = 4096;

class PeerChannel {
  private stub: RaftPeer | undefined;
  private queue: Message[] = [];
  private inFlight = false;
  /** The batch in flight: when it was sent, and how to give up on it. */
  private pending: { sentAt: number; abandon: (error: Error) => void } | undefined;

  constructor(
    private readonly name: string,
    private readonly options: PeerTransportOptions,
    private readonly faults: () => FaultPlan,
  ) {}

  enqueue(message: Message): void {
    if (this.queue.length < MAX_QUEUED) this.queue.push(message);
  }

  flush(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.inFlight = true;
    void this.post(batch).finally(() => {
      this.inFlight = false;
      this.flush();
    });
  }

  private async post(sent: Message[]): Promise<void> {
    const plan = this.faults();
    const batch = applyFaults(plan, this.name, sent);
    if (plan.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, plan.delayMs));
    if (batch.length === 0) return;
    const started = Date.now();
    try {
      // Durable Object RPC, not fetch: no Request, Response or Headers per hop, and the batch is
      // copied as flat columns (raft-wire.ts) rather than stringified and parsed.
      this.stub ??= this.options.peer(this.name);
      const abandoned = new Promise<never>((_, reject) => {
        this.pending = { sentAt: started, abandon: reject };
      });
      const answer = await Promise.race([this.stub.raft(this.name, this.options.self, encodeBatch(batch)), abandoned]);
      if (answer === 'removed') return this.options.onRemoved();
      if (answer !== null && answer !== 'not-serving') this.options.onReply(decodeBatch(answer));
      this.reportDelivery(batch, answer !== 'not-serving', Date.now() - started);
    } catch {
      // A stub that threw is broken: the next request gets a fresh one.
      this.stub = undefined;
      for (const to of new Set(batch.map((m) => m.to))) {
        this.options.onUnreachable(to);
        this.options.onFailed?.(to);
      }
    } finally {
      this.pending = undefined;
    }
  }

  expireIfStuck(now: number): void {
    if (this.pending !== undefined && now - this.pending.sentAt > this.options.timeoutMs) this.pending.abandon(new Error('peer timed out'));
  }

  /** etcd times the MsgApp stream to each follower; here a batch's round trip stands for it. */
  private reportDelivery(batch: readonly Message[], ok: boolean, ms: number): void {
    for (const to of new Set(batch.filter((m) => m.type === 'MsgApp').map((m) => m.to))) {
      if (ok) this.options.onDelivered?.(to, ms);
      else this.options.onFailed?.(to);
    }
  }
}
