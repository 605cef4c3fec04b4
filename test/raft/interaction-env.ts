import {
  MemoryStorage,
  RawNode,
  type ConfChange,
  type ConfChangeType,
  type Entry,
  type Logger,
  type Message,
  type NodeId,
  type Ready,
} from '../../src/raft/index.ts';

/**
 * The interaction test environment (after etcd's rafttest.InteractionEnv): commands that drive
 * nodes by hand and print what happened, in the format of etcd's testdata/*.txt transcripts.
 */

export interface Command {
  name: string;
  args: string[];
  /** key=value arguments; `voters=(1,2,3)` becomes ['1','2','3']. */
  kv: Map<string, string>;
  /** Extra lines below the command (before `----`). */
  input: string[];
}

interface EnvNode {
  id: NodeId;
  node: RawNode;
  storage: MemoryStorage;
  history: Entry[];
}

export class InteractionEnv {
  private readonly nodes = new Map<NodeId, EnvNode>();
  private messages: Message[] = [];
  private out: string[] = [];
  private level: 'none' | 'info' | 'debug' = 'info';
  /** Pairs "a->b" whose messages are dropped. */
  private readonly cut = new Set<string>();

  run(cmd: Command): string {
    this.out = [];
    switch (cmd.name) {
      case 'log-level':
        this.level = (cmd.args[0] ?? 'info') as typeof this.level;
        break;
      case 'add-nodes':
        this.addNodes(cmd);
        break;
      case 'campaign':
        this.node(cmd.args[0]).node.campaign();
        break;
      case 'propose':
        this.catching(() => this.node(cmd.args[0]).node.propose(cmd.args.slice(1).join(' ')));
        break;
      case 'propose-conf-change': {
        const [id, type, nodeId] = cmd.args;
        const cc: ConfChange = { type: (type ?? 'addNode') as ConfChangeType, nodeId: nodeId ?? '' };
        this.catching(() => this.node(id).node.proposeConfChange(cc));
        break;
      }
      case 'tick-heartbeat':
        for (const id of cmd.args) this.ticks(id, this.node(id).node.raft.heartbeatTimeout);
        break;
      case 'tick-election':
        for (const id of cmd.args) this.ticks(id, this.node(id).node.raft.electionTimeout);
        break;
      case 'tick':
        this.ticks(cmd.args[0], Number(cmd.args[1] ?? 1));
        break;
      case 'process-ready':
        for (const id of this.ids(cmd.args)) {
          if (cmd.args.length > 1 || cmd.args.length === 0) this.print(`> ${id} handling Ready`);
          this.processReady(id, cmd.args.length > 1 || cmd.args.length === 0 ? '  ' : '');
        }
        break;
      case 'deliver-msgs':
        this.deliver(this.ids(cmd.args), '');
        break;
      case 'stabilize':
        this.stabilize(this.ids(cmd.args));
        break;
      case 'isolate':
        this.isolate(cmd.args[0] ?? '');
        break;
      case 'heal':
        this.cut.clear();
        break;
      case 'drop-msgs':
        this.messages = this.messages.filter((m) => !cmd.args.includes(m.to));
        break;
      case 'compact': {
        const n = this.node(cmd.args[0]);
        const at = Number(cmd.args[1]);
        n.storage.createSnapshot(at, n.node.status().config, `snap@${at}`);
        n.storage.compact(at);
        this.raftLog(n);
        break;
      }
      case 'read-index':
        this.node(cmd.args[0]).node.readIndex(cmd.args[1] ?? '');
        break;
      case 'transfer-leader':
        this.node(cmd.args[0]).node.transferLeader(cmd.args[1] ?? '');
        break;
      case 'report-unreachable':
        this.node(cmd.args[0]).node.reportUnreachable(cmd.args[1] ?? '');
        break;
      case 'status':
        this.status(this.node(cmd.args[0]));
        break;
      case 'raft-log':
        this.raftLog(this.node(cmd.args[0]));
        break;
      case 'raft-state':
        for (const n of this.nodes.values()) {
          const s = n.node.status();
          this.print(`${n.id}: ${s.raftState} term=${s.term} lead=${s.lead || '-'} commit=${s.commit} applied=${s.applied} last=${s.lastIndex}`);
        }
        break;
      default:
        throw new Error(`unknown command ${cmd.name}`);
    }
    // At log level none a command prints nothing (boilerplate set-up).
    if (this.level === 'none' && cmd.name !== 'log-level') return 'ok';
    return this.out.length === 0 ? 'ok' : this.out.join('\n');
  }

  private print(line: string): void {
    this.out.push(line);
  }

  private catching(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.print(`raft: ${(e as Error).name}: ${(e as Error).message}`);
    }
  }

  private node(id: string | undefined): EnvNode {
    const n = this.nodes.get(id ?? '');
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  private ids(args: string[]): NodeId[] {
    return args.length > 0 ? args : [...this.nodes.keys()].sort();
  }

  private ticks(id: string | undefined, n: number): void {
    const node = this.node(id);
    for (let i = 0; i < n; i++) node.node.tick();
  }

  private logger(id: NodeId): Logger {
    const print = (lvl: string, m: string): void => {
      void id;
      this.print(`${lvl} ${m}`);
    };
    return {
      debug: (m) => {
        if (this.level === 'debug') print('DEBUG', m);
      },
      info: (m) => {
        if (this.level !== 'none') print('INFO', m);
      },
      warn: (m) => {
        if (this.level !== 'none') print('WARN', m);
      },
    };
  }

  /**
   * add-nodes <n> [voters=(ids)] [prevote=true] [checkquorum=true] [index=i] [max-size=bytes]
   * [max-inflight=n]: nodes with the next IDs; with voters, a storage holding that configuration
   * (and a compacted log up to index, as etcd's bootstrap), else an empty one (a joining node).
   */
  private addNodes(cmd: Command): void {
    const n = Number(cmd.args[0] ?? 1);
    const voters = cmd.kv.get('voters')?.replace(/[()]/g, '').split(',').filter((s) => s !== '');
    const index = Number(cmd.kv.get('index') ?? 0);
    for (let i = 0; i < n; i++) {
      const id = String(this.nodes.size + 1);
      const storage = new MemoryStorage();
      if (voters !== undefined) {
        storage.applySnapshot({ metadata: { index: Math.max(index, 1), term: 1, confState: { voters, learners: [] } }, data: '' });
        storage.setHardState({ term: 1, vote: '', commit: Math.max(index, 1) });
      }
      const node = new RawNode({
        id,
        electionTick: 3,
        heartbeatTick: 1,
        storage,
        maxSizePerMsg: Number(cmd.kv.get('max-size') ?? 1 << 20),
        maxInflightMsgs: Number(cmd.kv.get('max-inflight') ?? 256),
        checkQuorum: cmd.kv.get('checkquorum') === 'true',
        preVote: cmd.kv.get('prevote') === 'true',
        // No jitter: the election timeout is exactly electionTick, so transcripts are stable.
        random: () => 0,
        logger: this.logger(id),
      });
      this.nodes.set(id, { id, node, storage, history: [] });
    }
  }

  private isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  /** Runs one Ready cycle on a node and prints it; returns whether there was one. */
  private processReady(id: NodeId, indent: string): boolean {
    const n = this.node(id);
    if (!n.node.hasReady()) return false;
    const rd = n.node.ready();
    for (const line of describeReady(rd)) this.print(indent + line);
    if (rd.snapshot !== undefined) n.storage.applySnapshot(rd.snapshot);
    n.storage.append(rd.entries);
    if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
    for (const m of [...rd.messages, ...rd.messagesAfterPersist]) {
      if (this.cut.has(`${m.from}->${m.to}`)) continue;
      this.messages.push(JSON.parse(JSON.stringify(m)) as Message);
    }
    for (const e of rd.committedEntries) {
      n.history.push(e);
      if (e.type === 'confChange') {
        const before = this.out.length;
        const cs = n.node.applyConfChange(JSON.parse(e.data) as ConfChange);
        for (let i = before; i < this.out.length; i++) this.out[i] = `${indent}${this.out[i] ?? ''}`;
        this.print(`${indent}INFO ${id} applied conf change ${e.data}: voters=(${cs.voters.join(',')}) learners=(${cs.learners.join(',')})`);
      }
    }
    n.node.advance(rd);
    return true;
  }

  private deliver(ids: NodeId[], indent: string): boolean {
    let any = false;
    for (const id of ids) {
      const mine = this.messages.filter((m) => m.to === id);
      if (mine.length === 0) continue;
      this.messages = this.messages.filter((m) => m.to !== id);
      any = true;
      if (indent !== '' || ids.length > 1) this.print(`> ${id} receiving messages`);
      const inner = indent !== '' || ids.length > 1 ? '  ' : '';
      for (const m of mine) {
        this.print(inner + describeMessage(m));
        const before = this.out.length;
        try {
          this.node(id).node.step(m);
        } catch (e) {
          this.print(`${inner}  raft: ${(e as Error).name}: ${(e as Error).message}`);
        }
        // Indent what stepping logged under the message.
        for (let i = before; i < this.out.length; i++) this.out[i] = `${inner}  ${this.out[i] ?? ''}`;
      }
    }
    return any;
  }

  private stabilize(ids: NodeId[]): void {
    for (let round = 0; round < 1000; round++) {
      let moved = false;
      for (const id of ids) {
        if (!this.node(id).node.hasReady()) continue;
        this.print(`> ${id} handling Ready`);
        this.processReady(id, '  ');
        moved = true;
      }
      if (this.deliver(ids, '  ')) moved = true;
      if (!moved) return;
    }
    throw new Error('stabilize did not converge');
  }

  private status(n: EnvNode): void {
    const s = n.node.status();
    this.print(`${s.id} ${s.raftState} term=${s.term} vote=${s.vote || '-'} lead=${s.lead || '-'} commit=${s.commit} applied=${s.applied} last=${s.lastIndex}`);
    this.print(`config voters=(${s.config.voters.join(',')}) learners=(${s.config.learners.join(',')})`);
    if (s.progress !== undefined) {
      for (const [id, p] of Object.entries(s.progress)) {
        this.print(`${id}: ${p.state} match=${p.match} next=${p.next}${p.paused ? ' paused' : ''}${p.pendingSnapshot > 0 ? ` pendingSnap=${p.pendingSnapshot}` : ''}${p.isLearner ? ' learner' : ''}`);
      }
    }
  }

  private raftLog(n: EnvNode): void {
    const log = n.node.raft.raftLog;
    const ents = log.allEntries();
    if (ents.length === 0) this.print(`log is empty: first index=${log.firstIndex()}, last index=${log.lastIndex()}`);
    for (const e of ents) this.print(describeEntry(e));
  }
}

export function describeEntry(e: Entry): string {
  if (e.type === 'confChange') return `${e.term}/${e.index} EntryConfChange ${e.data}`;
  return `${e.term}/${e.index} EntryNormal ${JSON.stringify(e.data)}`;
}

export function describeMessage(m: Message): string {
  let s = `${m.from}->${m.to} ${m.type} Term:${m.term} Log:${m.logTerm}/${m.index}`;
  if (m.reject) s += ` Rejected (Hint: ${m.rejectHint})`;
  if (m.commit !== 0) s += ` Commit:${m.commit}`;
  if (m.entries.length > 0) s += ` Entries:[${m.entries.map(describeEntry).join(', ')}]`;
  if (m.context !== '') s += ` Context:${m.context}`;
  if (m.snapshot !== undefined) {
    const md = m.snapshot.metadata;
    s += ` Snapshot: Index:${md.index} Term:${md.term} ConfState:Voters:[${md.confState.voters.join(' ')}]`;
  }
  return s;
}

export function describeReady(rd: Ready): string[] {
  const lines = [`Ready MustSync=${rd.mustSync}:`];
  if (rd.softState !== undefined) lines.push(`Lead:${rd.softState.lead || '0'} State:${rd.softState.raftState}`);
  if (rd.hardState !== undefined) lines.push(`HardState Term:${rd.hardState.term} Vote:${rd.hardState.vote || '0'} Commit:${rd.hardState.commit}`);
  if (rd.entries.length > 0) lines.push('Entries:', ...rd.entries.map(describeEntry));
  if (rd.snapshot !== undefined) lines.push(`Snapshot Index:${rd.snapshot.metadata.index} Term:${rd.snapshot.metadata.term}`);
  if (rd.committedEntries.length > 0) lines.push('CommittedEntries:', ...rd.committedEntries.map(describeEntry));
  if (rd.readStates.length > 0) lines.push('ReadStates:', ...rd.readStates.map((r) => `Index:${r.index} Ctx:${r.requestCtx}`));
  if (rd.messages.length > 0) lines.push('Messages (send now):', ...rd.messages.map(describeMessage));
  if (rd.messagesAfterPersist.length > 0) lines.push('Messages (after persist):', ...rd.messagesAfterPersist.map(describeMessage));
  return lines;
}

/** Parses a transcript: blocks of `command\n[input]\n----\noutput\n\n`, with # comments between. */
export interface Block {
  comments: string[];
  command: string;
  input: string[];
  expected: string;
}

export function parseTranscript(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const comments: string[] = [];
    while (i < lines.length && ((lines[i] ?? '').startsWith('#') || (lines[i] ?? '').trim() === '')) {
      comments.push(lines[i] ?? '');
      i++;
    }
    if (i >= lines.length) break;
    const command = lines[i++] ?? '';
    const input: string[] = [];
    while (i < lines.length && lines[i] !== '----') input.push(lines[i++] ?? '');
    i++; // ----
    const out: string[] = [];
    while (i < lines.length && (lines[i] ?? '') !== '') out.push(lines[i++] ?? '');
    blocks.push({ comments, command, input, expected: out.join('\n') });
  }
  return blocks;
}

export function parseCommand(command: string, input: string[]): Command {
  const parts = command.trim().split(/\s+/);
  const name = parts[0] ?? '';
  const args: string[] = [];
  const kv = new Map<string, string>();
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq > 0) kv.set(p.slice(0, eq), p.slice(eq + 1));
    else args.push(p);
  }
  return { name, args, kv, input };
}

export function renderTranscript(blocks: Block[], outputs: string[]): string {
  const parts: string[] = [];
  blocks.forEach((b, i) => {
    const comments = b.comments.filter((c, j) => !(j === 0 && c === '' && i > 0));
    const head = [...comments.filter((c) => c !== ''), b.command, ...b.input, '----', outputs[i] ?? ''];
    parts.push(head.join('\n'));
  });
  return `${parts.join('\n\n')}\n`;
}
