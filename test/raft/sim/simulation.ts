import {
  MemoryStorage,
  ProposalDroppedError,
  RawNode,
  type ConfChange,
  type ConfState,
  type Entry,
  type Message,
  type NodeId,
  type Ready,
} from '../../../src/raft/index.ts';
import { seededRandom } from '../cluster.ts';

/**
 * A simulated cluster under a seeded, hostile schedule: the network drops, delays, duplicates and
 * reorders messages and partitions nodes; nodes crash and restart from their "disk" (the
 * MemoryStorage, which survives), losing anything not yet persisted (a Ready whose early messages
 * went out but whose writes did not happen). After every step the Raft safety properties are
 * checked (paper Figure 3); at the end the network heals and every acknowledged proposal must be
 * applied everywhere.
 */

/** How much of the trace a failure prints (SIM_TRACE_LINES). */
const TRACE_LINES = Number(process.env.SIM_TRACE_LINES ?? 150);

export interface SimOptions {
  seed: number;
  steps: number;
  /** Keep a trace of the schedule, printed on failure. */
  trace?: boolean;
}

export class SafetyViolation extends Error {
  override name = 'SafetyViolation';
}

interface SimNode {
  id: NodeId;
  /** The disk: survives crashes. */
  storage: MemoryStorage;
  /** Volatile: undefined while crashed. */
  node: RawNode | undefined;
  /** A Ready whose early messages were sent but whose writes are not done yet. */
  pending: Ready | undefined;
  appliedIndex: number;
  confState: ConfState;
}

interface InFlight {
  m: Message;
}

export interface SimResult {
  steps: number;
  proposals: number;
  acknowledged: number;
  elections: number;
  crashes: number;
  snapshotsSent: number;
  reads: number;
  confChanges: number;
  trace: string[];
}

export function runSimulation(opts: SimOptions): SimResult {
  return new Simulation(opts).run();
}

class Simulation {
  private readonly rand: () => number;
  /** Every node ever created (initial members, then nodes added by conf changes). */
  private readonly ids: NodeId[];
  /** The configuration as applied so far (first application of each index, in order). */
  private readonly members = new Set<NodeId>();
  /** Nodes whose removal was applied: an operator shuts them down at the end. */
  private readonly removed = new Set<NodeId>();
  private confChanges = 0;
  private readonly nodes = new Map<NodeId, SimNode>();
  private net: InFlight[] = [];
  /** Partition group per node; messages cross only within a group. */
  private group = new Map<NodeId, number>();
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly maxSizePerMsg: number;
  private readonly maxInflight: number;
  private readonly electionTick: number;
  private readonly trace: string[] = [];
  private step = 0;
  private nextProposal = 0;

  // ---- observations for the checks ----
  /** Election Safety: term → leader. */
  private readonly leaderOf = new Map<number, NodeId>();
  /** Log Matching, on durable logs: "index/term" → data and previous term. */
  private readonly entryAt = new Map<string, { data: string; prevTerm: number }>();
  /** State Machine Safety: index → the entry applied there (by anyone). */
  private readonly appliedAt = new Map<number, Entry>();
  /** data → index, for acknowledged proposals. */
  private readonly acknowledged = new Map<string, number>();
  private readonly proposed = new Set<string>();
  /** Read request ctx → highest index applied anywhere when it was asked. */
  private readonly readFloor = new Map<string, number>();
  reads = 0;
  private elections = 0;
  private crashes = 0;
  private snapshotsSent = 0;

  constructor(private readonly opts: SimOptions) {
    this.rand = seededRandom(opts.seed * 2654435761);
    const n = this.rand() < 0.5 ? 3 : 5;
    this.ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
    this.preVote = this.rand() < 0.6;
    this.checkQuorum = this.rand() < 0.6;
    this.maxSizePerMsg = this.rand() < 0.5 ? 0 : 64;
    this.maxInflight = 1 + Math.floor(this.rand() * 4);
    this.electionTick = 4 + Math.floor(this.rand() * 6);
    for (const id of this.ids) this.members.add(id);
    // Bootstrapped as etcd does: the initial members are conf change entries at term 1, already
    // committed, so a node added later learns them by replaying the log from index 1.
    const bootstrap: Entry[] = this.ids.map((id, i) => ({ term: 1, index: i + 1, type: 'confChange', data: JSON.stringify({ type: 'addNode', nodeId: id }) }));
    for (const id of this.ids) {
      const storage = new MemoryStorage({ voters: this.ids, learners: [] });
      storage.append(bootstrap);
      storage.setHardState({ term: 1, vote: '', commit: bootstrap.length });
      const sn: SimNode = { id, storage, node: undefined, pending: undefined, appliedIndex: 0, confState: { voters: [...this.ids], learners: [] } };
      this.nodes.set(id, sn);
      this.start(sn);
      this.group.set(id, 0);
    }
    this.log(`cluster ${this.ids.join(',')} preVote=${this.preVote} checkQuorum=${this.checkQuorum} maxSizePerMsg=${this.maxSizePerMsg} maxInflight=${this.maxInflight} electionTick=${this.electionTick}`);
  }

  private log(s: string): void {
    if (this.opts.trace === true) this.trace.push(`[${this.step}] ${s}`);
  }

  private pick<T>(xs: readonly T[]): T | undefined {
    return xs[Math.floor(this.rand() * xs.length)];
  }

  private start(sn: SimNode): void {
    const snap = sn.storage.snapshot();
    sn.appliedIndex = snap.metadata.index;
    sn.confState = { voters: [...snap.metadata.confState.voters], learners: [...snap.metadata.confState.learners] };
    sn.pending = undefined;
    sn.node = new RawNode({
      id: sn.id,
      electionTick: this.electionTick,
      heartbeatTick: 1,
      storage: sn.storage,
      applied: sn.appliedIndex,
      maxSizePerMsg: this.maxSizePerMsg,
      maxInflightMsgs: this.maxInflight,
      checkQuorum: this.checkQuorum,
      preVote: this.preVote,
      random: seededRandom(this.opts.seed * 31 + sn.id.charCodeAt(1) * 7 + this.crashes),
    });
  }

  run(): SimResult {
    try {
      for (this.step = 0; this.step < this.opts.steps; this.step++) {
        this.randomStep();
        this.checkSafety();
      }
      this.healAndConverge();
    } catch (e) {
      if (e instanceof Error && this.opts.trace === true) {
        e.message += `\n--- trace (last ${TRACE_LINES} steps) ---\n${this.trace.slice(-TRACE_LINES).join('\n')}`;
      }
      throw e;
    }
    return {
      steps: this.opts.steps,
      proposals: this.nextProposal,
      acknowledged: this.acknowledged.size,
      elections: this.elections,
      crashes: this.crashes,
      snapshotsSent: this.snapshotsSent,
      reads: this.reads,
      confChanges: this.confChanges,
      trace: this.trace,
    };
  }

  private live(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.node !== undefined);
  }

  /**
   * Schedules alternate between calm (a working network, no crashes) and storms (partitions,
   * crashes, heavy loss); a constant storm would rarely let anything commit.
   */
  private storm = false;

  private randomStep(): void {
    if (this.rand() < (this.storm ? 0.03 : 0.01)) {
      this.storm = !this.storm;
      this.log(this.storm ? 'storm begins' : 'calm begins');
    }
    let r = this.rand();
    // In calm weather, faults turn into ordinary work (proposals).
    if (!this.storm && r >= 0.88 && r < 0.94) {
      if (r < 0.89) r = 0.88 + (r - 0.88) / 4; // only heals
      else r = 0.8;
    }
    const live = this.live();
    if (r < 0.02) {
      // The clock: everyone ticks (otherwise each node's clock runs at its own pace).
      this.log('tick all');
      for (const sn of live) sn.node?.tick();
    } else if (r < 0.06) {
      const sn = this.pick(live);
      if (sn !== undefined) {
        this.log(`tick ${sn.id}`);
        sn.node?.tick();
      }
    } else if (r < 0.5) {
      const n = 1 + Math.floor(this.rand() * 3);
      for (let i = 0; i < n; i++) this.deliverOne();
    } else if (r < 0.78) {
      // Hosts run their ready loop promptly: pick among the nodes with work.
      const busy = live.filter((n) => n.pending !== undefined || n.node?.hasReady() === true);
      const sn = this.pick(busy);
      if (sn !== undefined) this.readyPhase(sn, this.rand() < 0.6);
    } else if (r < 0.88) {
      const sn = this.pick(live);
      if (sn !== undefined) this.propose(sn);
    } else if (r < 0.905) {
      if (this.storm) this.repartition();
      else this.heal();
    } else if (r < 0.915) {
      const sn = this.pick(live);
      if (sn !== undefined) this.crash(sn);
    } else if (r < 0.94) {
      const dead = [...this.nodes.values()].filter((n) => n.node === undefined);
      const sn = this.pick(dead);
      if (sn !== undefined) {
        this.log(`restart ${sn.id}`);
        this.start(sn);
      }
    } else if (r < 0.965) {
      const sn = this.pick(live);
      if (sn !== undefined) this.compact(sn);
    } else if (r < 0.975) {
      const sn = this.pick(live);
      const to = this.pick(this.ids);
      if (sn !== undefined && to !== undefined) {
        this.log(`transfer-leader ${sn.id} -> ${to}`);
        sn.node?.transferLeader(to);
      }
    } else if (r < 0.99) {
      const sn = this.pick(live);
      if (sn !== undefined) {
        const ctx = `r${this.step}`;
        this.readFloor.set(ctx, this.maxAcknowledged());
        this.log(`read-index ${sn.id} ${ctx}`);
        sn.node?.readIndex(ctx);
      }
    } else {
      const sn = this.pick(live);
      if (sn !== undefined) this.changeMembership(sn);
    }
  }

  /**
   * Adds a new node (created at once with an empty disk, as an operator starts a new member) or
   * removes a member, one voter at a time, proposed through a random node.
   */
  private changeMembership(sn: SimNode): void {
    const voters = [...this.members].filter((id) => !this.removed.has(id));
    let cc: ConfChange;
    if (this.rand() < 0.5 && this.ids.length < 8) {
      const id = `n${this.ids.length + 1}`;
      this.ids.push(id);
      const fresh: SimNode = { id, storage: new MemoryStorage(), node: undefined, pending: undefined, appliedIndex: 0, confState: { voters: [], learners: [] } };
      this.nodes.set(id, fresh);
      this.group.set(id, 0);
      this.start(fresh);
      cc = { type: 'addNode', nodeId: id };
    } else {
      if (voters.length <= 3) return;
      const victim = this.pick(voters);
      if (victim === undefined) return;
      cc = { type: 'removeNode', nodeId: victim };
    }
    try {
      sn.node?.proposeConfChange(cc);
      this.confChanges++;
      this.log(`propose ${cc.type} ${cc.nodeId} at ${sn.id}`);
    } catch (e) {
      if (!(e instanceof ProposalDroppedError)) throw e;
      this.log(`propose ${cc.type} ${cc.nodeId} at ${sn.id}: dropped`);
    }
  }

  private deliverOne(): void {
    if (this.net.length === 0) return;
    // Bounded reordering: one of the oldest few.
    const at = Math.floor(this.rand() * Math.min(this.net.length, 6));
    const f = this.net[at] as InFlight;
    const r = this.rand();
    if (r < (this.storm ? 0.15 : 0.02)) {
      this.net.splice(at, 1);
      this.log(`drop ${describe(f.m)}`);
      return;
    }
    if (r >= (this.storm ? 0.2 : 0.04)) this.net.splice(at, 1); // else: duplicate (deliver and keep a copy)
    this.deliver(f.m);
  }

  private deliver(m: Message): void {
    const to = this.nodes.get(m.to);
    if (to?.node === undefined) return;
    if (this.group.get(m.from) !== this.group.get(m.to)) {
      this.log(`cut ${describe(m)}`);
      // A transport that notices a failed send tells Raft (etcd's ReportUnreachable).
      if (this.rand() < 0.3) this.nodes.get(m.from)?.node?.reportUnreachable(m.to);
      return;
    }
    this.log(`deliver ${describe(m)}`);
    to.node.step(JSON.parse(JSON.stringify(m)) as Message);
    // Sometimes the transport reports a delivered snapshot (etcd's ReportSnapshot); otherwise the
    // leader's own snapshot timeout has to cope.
    if (m.type === 'MsgSnap' && this.rand() < 0.5) this.nodes.get(m.from)?.node?.reportSnapshot(m.to, true);
  }

  private send(msgs: readonly Message[]): void {
    for (const m of msgs) {
      if (m.type === 'MsgSnap') this.snapshotsSent++;
      this.net.push({ m });
    }
  }

  /**
   * The ready loop in two halves, as a host may run it: (1) take the Ready and send the messages
   * that may go early; (2) persist, send the rest, apply, advance. A crash between them loses the
   * writes.
   */
  private readyPhase(sn: SimNode, full: boolean): void {
    const node = sn.node;
    if (node === undefined) return;
    if (sn.pending === undefined) {
      if (!node.hasReady()) return;
      const rd = node.ready();
      if (rd.softState?.raftState === 'StateLeader') {
        this.elections++;
        this.log(`${sn.id} leads term ${node.raft.term} with voters ${node.status().config.voters.join(',')}`);
      }
      this.log(`ready ${sn.id}: ${rd.entries.length} entries, ${rd.committedEntries.length} committed, hs=${JSON.stringify(rd.hardState)} early=${rd.messages.length} late=${rd.messagesAfterPersist.length}`);
      this.send(rd.messages);
      sn.pending = rd;
      if (!full) return;
    }
    const rd = sn.pending;
    sn.pending = undefined;
    this.persist(sn, rd);
    this.send(rd.messagesAfterPersist);
    for (const rs of rd.readStates) {
      // Linearizable reads (thesis §6.4): the read point covers every write acknowledged before
      // the request was made.
      const floor = this.readFloor.get(rs.requestCtx);
      this.reads++;
      if (floor !== undefined && rs.index < floor) {
        throw new SafetyViolation(`ReadIndex: ${sn.id} read ${rs.requestCtx} at ${rs.index}, but index ${floor} was acknowledged before it was asked`);
      }
    }
    if (rd.snapshot !== undefined) this.restoreSnapshot(sn, rd);
    for (const e of rd.committedEntries) this.apply(sn, e);
    node.advance(rd);
  }

  private maxAcknowledged(): number {
    let max = 0;
    for (const i of this.appliedAt.keys()) max = Math.max(max, i);
    return max;
  }

  private persist(sn: SimNode, rd: Ready): void {
    if (rd.snapshot !== undefined) sn.storage.applySnapshot(rd.snapshot);
    sn.storage.append(rd.entries);
    if (rd.hardState !== undefined) {
      const prev = sn.storage.initialState().hardState;
      if (rd.hardState.term < prev.term) throw new SafetyViolation(`${sn.id}: persisted term went back ${prev.term} -> ${rd.hardState.term}`);
      if (rd.hardState.term === prev.term && prev.vote !== '' && rd.hardState.vote !== prev.vote) {
        throw new SafetyViolation(`${sn.id}: changed its vote in term ${prev.term}: ${prev.vote} -> ${rd.hardState.vote}`);
      }
      sn.storage.setHardState(rd.hardState);
    }
    // Log Matching (paper §5.3): an (index, term) pair names one entry and one predecessor term.
    for (const e of rd.entries) {
      let prevTerm = -1;
      try {
        prevTerm = sn.storage.term(e.index - 1);
      } catch {
        prevTerm = -1;
      }
      const key = `${e.index}/${e.term}`;
      const seen = this.entryAt.get(key);
      if (seen === undefined) this.entryAt.set(key, { data: e.data, prevTerm });
      else if (seen.data !== e.data || (seen.prevTerm !== prevTerm && seen.prevTerm !== -1 && prevTerm !== -1)) {
        throw new SafetyViolation(
          `Log Matching: ${sn.id} persisted ${key} data=${e.data} prevTerm=${prevTerm}, another log has data=${seen.data} prevTerm=${seen.prevTerm}`,
        );
      }
    }
  }

  private restoreSnapshot(sn: SimNode, rd: Ready): void {
    const s = rd.snapshot;
    if (s === undefined) return;
    const known = this.appliedAt.get(s.metadata.index);
    if (known !== undefined && known.term !== s.metadata.term) {
      throw new SafetyViolation(`${sn.id} got a snapshot at ${s.metadata.index}/${s.metadata.term}, but ${known.term} was applied there`);
    }
    this.log(`${sn.id} restores snapshot ${s.metadata.index}/${s.metadata.term}`);
    sn.appliedIndex = s.metadata.index;
    sn.confState = s.metadata.confState;
  }

  private apply(sn: SimNode, e: Entry): void {
    if (e.index !== sn.appliedIndex + 1) {
      throw new SafetyViolation(`${sn.id} applies ${e.index} after ${sn.appliedIndex}`);
    }
    sn.appliedIndex = e.index;
    // State Machine Safety (paper §5.4.3): one entry per index, everywhere.
    const seen = this.appliedAt.get(e.index);
    if (seen === undefined) {
      this.appliedAt.set(e.index, e);
      this.checkLeadersHave(e);
      if (e.type === 'confChange') {
        const cc = JSON.parse(e.data) as ConfChange;
        if (cc.type === 'removeNode') {
          this.members.delete(cc.nodeId);
          this.removed.add(cc.nodeId);
        } else if (cc.nodeId !== '') this.members.add(cc.nodeId);
      }
    } else if (seen.term !== e.term || seen.data !== e.data || seen.type !== e.type) {
      throw new SafetyViolation(`State Machine Safety: ${sn.id} applied ${JSON.stringify(e)} at ${e.index}, another node applied ${JSON.stringify(seen)}`);
    }
    if (e.type === 'normal' && e.data !== '' && !this.acknowledged.has(e.data)) this.acknowledged.set(e.data, e.index);
    if (e.type === 'confChange') {
      sn.confState = sn.node?.applyConfChange(JSON.parse(e.data) as ConfChange) ?? sn.confState;
      this.log(`${sn.id} applied ${e.index}: ${e.data} -> voters ${sn.confState.voters.join(',')}`);
    }
  }

  private propose(sn: SimNode): void {
    const data = `p${this.nextProposal++}`;
    try {
      sn.node?.propose(data);
      this.proposed.add(data);
      this.log(`propose ${data} at ${sn.id}`);
    } catch (e) {
      if (!(e instanceof ProposalDroppedError)) throw e;
      this.log(`propose ${data} at ${sn.id}: dropped`);
    }
  }

  private heal(): void {
    for (const id of this.ids) this.group.set(id, 0);
    this.log('heal');
  }

  private repartition(): void {
    if (this.rand() < 0.3) {
      this.heal();
      return;
    }
    for (const id of this.ids) this.group.set(id, this.rand() < 0.5 ? 0 : 1);
    this.log(`partition ${this.ids.map((id) => `${id}:${this.group.get(id)}`).join(' ')}`);
  }

  private crash(sn: SimNode): void {
    this.log(`crash ${sn.id}${sn.pending !== undefined ? ' (losing an unpersisted Ready)' : ''}`);
    sn.node = undefined;
    sn.pending = undefined;
    this.crashes++;
  }

  private compact(sn: SimNode): void {
    const at = sn.appliedIndex;
    if (at <= sn.storage.snapshot().metadata.index || at > sn.storage.lastIndex()) return;
    this.log(`compact ${sn.id} at ${at}`);
    sn.storage.createSnapshot(at, sn.confState, `state@${at}`);
    sn.storage.compact(at);
  }

  // ---- checks ----

  private checkSafety(): void {
    for (const sn of this.nodes.values()) {
      const raft = sn.node?.raft;
      if (raft === undefined || raft.state !== 'StateLeader') continue;
      // Election Safety (paper §5.2): at most one leader per term.
      const other = this.leaderOf.get(raft.term);
      if (other === undefined) {
        this.leaderOf.set(raft.term, sn.id);
        // Leader Completeness (paper §5.4): a new leader holds every committed entry.
        for (const e of this.appliedAt.values()) this.checkLeaderHas(sn, e);
      } else if (other !== sn.id) {
        throw new SafetyViolation(`Election Safety: ${other} and ${sn.id} are both leaders of term ${raft.term}`);
      }
    }
  }

  /** A newly committed entry must be in the log of every leader of a later term (Leader Completeness). */
  private checkLeadersHave(e: Entry): void {
    for (const sn of this.nodes.values()) {
      const raft = sn.node?.raft;
      if (raft !== undefined && raft.state === 'StateLeader') this.checkLeaderHas(sn, e);
    }
  }

  private checkLeaderHas(sn: SimNode, e: Entry): void {
    const raft = sn.node?.raft;
    if (raft === undefined || raft.term <= e.term) return;
    const log = raft.raftLog;
    if (e.index < log.firstIndex() - 1) return; // covered by its snapshot
    const t = log.termOrZero(e.index);
    if (t !== e.term) {
      throw new SafetyViolation(`Leader Completeness: leader ${sn.id} of term ${raft.term} has term ${t} at ${e.index}, but ${JSON.stringify(e)} was committed`);
    }
  }

  /** Heals everything, then runs a fair schedule until every acknowledged proposal is everywhere. */
  private healAndConverge(): void {
    this.log('--- heal and converge ---');
    for (const id of this.ids) this.group.set(id, 0);
    for (const sn of this.nodes.values()) if (sn.node === undefined && !this.removed.has(sn.id)) this.start(sn);
    let target = 0;
    for (const i of this.acknowledged.values()) target = Math.max(target, i);
    for (let round = 0; round < 2000; round++) {
      // Removed members are shut down; members (and nodes whose addition may yet commit) run.
      for (const id of this.removed) {
        const gone = this.nodes.get(id);
        if (gone !== undefined) {
          gone.node = undefined;
          gone.pending = undefined;
        }
      }
      const all = [...this.nodes.values()].filter((sn) => !this.removed.has(sn.id));
      if (round > 0 && round % 3 === 0) for (const sn of all) sn.node?.tick();
      for (const sn of all) {
        this.readyPhase(sn, true);
      }
      const q = this.net;
      this.net = [];
      for (const f of q) this.deliver(f.m);
      this.step++;
      this.checkSafety();
      const members = all.filter((sn) => this.members.has(sn.id));
      const done = members.every((sn) => sn.appliedIndex >= target) && this.net.length === 0 && all.every((sn) => sn.pending === undefined);
      if (done && round > 10) {
        // Acknowledged proposals are applied everywhere at the same index (State Machine Safety held).
        for (const [data, index] of this.acknowledged) {
          if (this.appliedAt.get(index)?.data !== data) throw new SafetyViolation(`acknowledged ${data} lost at ${index}`);
        }
        return;
      }
    }
    const where = [...this.nodes.values()].filter((sn) => this.members.has(sn.id)).map((sn) => `${sn.id}: applied ${sn.appliedIndex} ${JSON.stringify(sn.node?.status())}`).join('\n');
    throw new SafetyViolation(`Liveness: after healing, not every node applied up to ${target}\n${where}`);
  }
}

function describe(m: Message): string {
  let s = `${m.from}->${m.to} ${m.type} term=${m.term}`;
  if (m.type === 'MsgApp') s += ` idx=${m.index} logTerm=${m.logTerm} n=${m.entries.length} commit=${m.commit}`;
  if (m.type === 'MsgAppResp') s += ` idx=${m.index}${m.reject ? ` reject hint=${m.rejectHint}/${m.logTerm}` : ''}`;
  if (m.type === 'MsgSnap') s += ` snap=${m.snapshot?.metadata.index}`;
  if (m.reject) s += ' reject';
  return s;
}
