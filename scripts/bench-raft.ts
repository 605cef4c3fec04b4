/**
 * Throughput of the Raft core alone: a 3-node cluster in memory, messages through JSON (as between
 * Durable Objects), MemoryStorage as the disk. Proposals arrive in batches (group commit: every
 * proposal made while a round is out rides the next one); each round runs the ready loops until
 * the batch is committed and applied everywhere.
 *
 *   npx tsx scripts/bench-raft.ts [totalProposals] [payloadBytes]
 */
import { MemoryStorage, RawNode, type Message } from '../src/raft/index.ts';
import { seededRandom } from '../test/helpers/seeded-random.ts';

const total = Number(process.argv[2] ?? 100_000);
const payload = Number(process.argv[3] ?? 128);
const ids = ['1', '2', '3'];

interface Result {
  batch: number;
  proposalsPerSec: number;
  msgApps: number;
  bytesPerMsgApp: number;
  entriesPerMsgApp: number;
  roundsPerSec: number;
  msgsPerRound: number;
}

function run(batch: number): Result {
  const storages = new Map(ids.map((id) => [id, new MemoryStorage({ voters: ids, learners: [] })]));
  const nodes = new Map(
    ids.map((id, i) => [
      id,
      new RawNode({
        id,
        electionTick: 10,
        heartbeatTick: 1,
        storage: storages.get(id) as MemoryStorage,
        maxSizePerMsg: 1024 * 1024,
        maxInflightMsgs: 256,
        checkQuorum: true,
        preVote: true,
        random: seededRandom(i + 1),
      }),
    ]),
  );
  let queue: string[] = [];
  let msgApps = 0;
  let msgAppBytes = 0;
  let msgAppEntries = 0;
  let msgs = 0;
  let applied = 0;

  const cycle = (): boolean => {
    let moved = false;
    for (const id of ids) {
      const node = nodes.get(id) as RawNode;
      const storage = storages.get(id) as MemoryStorage;
      if (!node.hasReady()) continue;
      moved = true;
      const rd = node.ready();
      const send = (ms: Message[]): void => {
        for (const m of ms) {
          const json = JSON.stringify(m);
          msgs++;
          if (m.type === 'MsgApp' && m.entries.length > 0) {
            msgApps++;
            msgAppBytes += json.length;
            msgAppEntries += m.entries.length;
          }
          queue.push(json);
        }
      };
      send(rd.messages);
      if (rd.snapshot !== undefined) storage.applySnapshot(rd.snapshot);
      storage.append(rd.entries);
      if (rd.hardState !== undefined) storage.setHardState(rd.hardState);
      send(rd.messagesAfterPersist);
      if (id === '1') applied += rd.committedEntries.filter((e) => e.data !== '').length;
      node.advance(rd);
      // Keep the in-memory log short, as a member compacting after snapshots would.
      const st = node.status();
      if (st.applied - storage.firstIndex() > 20_000) {
        storage.createSnapshot(st.applied - 10_000, { voters: ids, learners: [] }, '');
        storage.compact(st.applied - 10_000);
      }
    }
    const q = queue;
    queue = [];
    for (const json of q) {
      const m = JSON.parse(json) as Message;
      nodes.get(m.to)?.step(m);
    }
    return moved || q.length > 0;
  };

  const leader = nodes.get('1') as RawNode;
  leader.campaign();
  while (cycle()) {
    /* elect */
  }
  msgApps = 0;
  msgAppBytes = 0;
  msgAppEntries = 0;
  msgs = 0;
  applied = 0;

  const data = 'x'.repeat(payload);
  const rounds = Math.ceil(total / batch);
  const started = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < batch; i++) leader.propose(data);
    while (cycle()) {
      /* until quiet: committed and applied everywhere */
    }
  }
  const secs = (performance.now() - started) / 1000;
  if (applied !== rounds * batch) throw new Error(`applied ${applied} of ${rounds * batch}`);
  return {
    batch,
    proposalsPerSec: Math.round(applied / secs),
    msgApps,
    bytesPerMsgApp: Math.round(msgAppBytes / Math.max(1, msgApps)),
    entriesPerMsgApp: Number((msgAppEntries / Math.max(1, msgApps)).toFixed(1)),
    roundsPerSec: Math.round(rounds / secs),
    msgsPerRound: Number((msgs / rounds).toFixed(1)),
  };
}

process.stdout.write(`raft bench: 3 nodes in memory, ${total} proposals of ${payload} bytes, JSON transport\n`);
process.stdout.write('batch  proposals/s  rounds/s  msgs/round  MsgApps(with entries)  bytes/MsgApp  entries/MsgApp\n');
for (const batch of [1, 10, 100, 1000]) {
  const r = run(batch);
  process.stdout.write(
    `${String(r.batch).padStart(5)}  ${String(r.proposalsPerSec).padStart(11)}  ${String(r.roundsPerSec).padStart(8)}  ${String(r.msgsPerRound).padStart(10)}  ${String(r.msgApps).padStart(21)}  ${String(r.bytesPerMsgApp).padStart(12)}  ${String(r.entriesPerMsgApp).padStart(14)}\n`,
  );
}
