import type { Message } from '../raft/index.ts';
import type { PeerTransport } from '../server/index.ts';
import { applyFaults, NO_FAULTS, type FaultPlan } from './faults.ts';

/** Internal header naming the member a stub request is for (its Durable Object name). */
export const MEMBER_HEADER = 'X-Edgecd-Member';
/** Internal header naming the sending member, so a removed sender can be told so. */
export const FROM_HEADER = 'X-Edgecd-From';

export interface PeerTransportOptions {
  namespace: DurableObjectNamespace;
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
  private stub: DurableObjectStub | undefined;
  private queue: Message[] = [];
  private inFlight = false;

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
      this.stub ??= this.options.namespace.get(this.options.namespace.idFromName(this.name));
      const response = await this.stub.fetch('http://member/raft', {
        method: 'POST',
        headers: { [MEMBER_HEADER]: this.name, [FROM_HEADER]: this.options.self, 'Content-Type': 'application/json' },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (response.status === 200) this.options.onReply((await response.json()) as Message[]);
      else await response.body?.cancel();
      if (response.status === 410) this.options.onRemoved();
      else this.reportDelivery(batch, response.ok, Date.now() - started);
    } catch {
      // A stub that threw is broken: the next request gets a fresh one.
      this.stub = undefined;
      for (const to of new Set(batch.map((m) => m.to))) {
        this.options.onUnreachable(to);
        this.options.onFailed?.(to);
      }
    }
  }

  /** etcd times the MsgApp stream to each follower; here a batch's round trip stands for it. */
  private reportDelivery(batch: readonly Message[], ok: boolean, ms: number): void {
    for (const to of new Set(batch.filter((m) => m.type === 'MsgApp').map((m) => m.to))) {
      if (ok) this.options.onDelivered?.(to, ms);
      else this.options.onFailed?.(to);
    }
  }
}
