import {
  MemoryStorage,
  RawNode,
  type Config,
  type ConfChange,
  type Entry,
  type Message,
  type NodeId,
  type ReadState,
  type Ready,
} from '../../src/raft/index.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

export { seededRandom };

export interface TestNode {
  id: NodeId;
  node: RawNode;
  storage: MemoryStorage;
  /** Entries applied, in order (normal entries with data, and conf changes). */
  applied: Entry[];
  /** ReadIndex answers received. */
  readStates: ReadState[];
}

export type NodeOptions = Partial<Omit<Config, 'id' | 'storage'>>;

export function newRawNode(id: NodeId, storage: MemoryStorage, opts: NodeOptions = {}, seed = 1): RawNode {
  return new RawNode({
    id,
    electionTick: 10,
    heartbeatTick: 1,
    storage,
    maxSizePerMsg: 1024 * 1024,
    maxInflightMsgs: 256,
    checkQuorum: false,
    preVote: false,
    random: seededRandom(seed),
    ...opts,
  });
}

/**
 * A lossless in-memory cluster for deterministic tests: ready loops run in full (persist, send,
 * apply, advance), messages wait in a queue until delivered. Conf changes are applied when their
 * entries are.
 */
export class Cluster {
  readonly nodes = new Map<NodeId, TestNode>();
  queue: Message[] = [];
  /** Pairs "a->b" whose messages are dropped. */
  readonly cut = new Set<string>();

  constructor(ids: NodeId[], opts: NodeOptions = {}) {
    ids.forEach((id, i) => this.add(id, new MemoryStorage({ voters: ids, learners: [] }), opts, i + 1));
  }

  add(id: NodeId, storage: MemoryStorage, opts: NodeOptions = {}, seed = 1): TestNode {
    const n: TestNode = { id, node: newRawNode(id, storage, opts, seed), storage, applied: [], readStates: [] };
    this.nodes.set(id, n);
    return n;
  }

  get(id: NodeId): TestNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** Runs one full ready cycle on a node; returns whether there was one. */
  processReady(id: NodeId): Ready | undefined {
    const n = this.get(id);
    if (!n.node.hasReady()) return undefined;
    const rd = n.node.ready();
    this.send(rd.messages);
    if (rd.snapshot !== undefined) n.storage.applySnapshot(rd.snapshot);
    n.storage.append(rd.entries);
    if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
    this.send(rd.messagesAfterPersist);
    n.readStates.push(...rd.readStates);
    for (const e of rd.committedEntries) {
      n.applied.push(e);
      if (e.type === 'confChange') n.node.applyConfChange(JSON.parse(e.data) as ConfChange);
    }
    n.node.advance(rd);
    return rd;
  }

  /** Persists a Ready's writes to a node's storage (nothing else). */
  storageWrite(id: NodeId, rd: Ready): void {
    const n = this.get(id);
    if (rd.snapshot !== undefined) n.storage.applySnapshot(rd.snapshot);
    n.storage.append(rd.entries);
    if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
  }

  send(msgs: readonly Message[]): void {
    for (const m of msgs) {
      if (this.cut.has(`${m.from}->${m.to}`)) continue;
      // Through JSON, as between Durable Objects.
      this.queue.push(JSON.parse(JSON.stringify(m)) as Message);
    }
  }

  /** Delivers every queued message (to nodes that exist). */
  deliverAll(): number {
    const q = this.queue;
    this.queue = [];
    for (const m of q) this.nodes.get(m.to)?.node.step(m);
    return q.length;
  }

  /** Ready loops and deliveries until nothing moves. */
  stabilize(limit = 10_000): void {
    for (let i = 0; i < limit; i++) {
      let moved = false;
      for (const id of [...this.nodes.keys()].sort()) if (this.processReady(id) !== undefined) moved = true;
      if (this.deliverAll() > 0) moved = true;
      if (!moved) return;
    }
    throw new Error('cluster did not stabilize');
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  tick(id: NodeId, n = 1): void {
    for (let i = 0; i < n; i++) this.get(id).node.tick();
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) for (const t of this.nodes.values()) t.node.tick();
  }

  leader(): NodeId | undefined {
    const leaders = [...this.nodes.values()].filter((n) => n.node.status().raftState === 'StateLeader');
    return leaders.length === 1 ? leaders[0]?.id : undefined;
  }

  /** The data of applied normal entries with data. */
  appliedData(id: NodeId): string[] {
    return this.get(id).applied.filter((e) => e.type === 'normal' && e.data !== '').map((e) => e.data);
  }
}
