import { ProposalDroppedError } from './errors.ts';
import { NONE, type Message } from './messages.ts';
import { hup } from './election.ts';
import type { Raft } from './raft.ts';
import { handleAppendEntries, handleHeartbeat, handleSnapshot } from './replication.ts';

/**
 * The follower's step function (etcd raft.go stepFollower): it takes in the leader's replication
 * messages (replication.ts), forwards proposals, read requests and transfers to the leader, and
 * campaigns at once when the leader hands over with MsgTimeoutNow.
 */
export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case 'MsgProp':
      if (r.lead === NONE) throw new ProposalDroppedError(`raft proposal dropped: ${r.id} has no leader at term ${r.term}`);
      r.send({ ...m, to: r.lead, from: m.from === NONE ? r.id : m.from, term: 0 });
      return;
    case 'MsgApp':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppendEntries(r, m);
      return;
    case 'MsgHeartbeat':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return;
    case 'MsgSnap':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return;
    case 'MsgTransferLeader':
      if (r.lead === NONE) {
        r.logger?.info(`${r.id} no leader at term ${r.term}; dropping leader transfer msg`);
        return;
      }
      r.send({ ...m, to: r.lead, term: 0 });
      return;
    case 'MsgTimeoutNow':
      // Thesis §3.10: the leader handed over; campaign at once, without pre-vote, overriding leases.
      if (r.promotable()) {
        r.logger?.info(`${r.id} [term ${r.term}] received MsgTimeoutNow from ${m.from} and starts an election to get leadership.`);
        hup(r, 'CampaignTransfer');
      } else {
        r.logger?.info(`${r.id} received MsgTimeoutNow from ${m.from} but is not promotable`);
      }
      return;
    case 'MsgReadIndex':
      if (r.lead === NONE) {
        r.logger?.info(`${r.id} no leader at term ${r.term}; dropping index reading msg`);
        return;
      }
      r.send({ ...m, to: r.lead, from: m.from === NONE ? r.id : m.from, term: 0 });
      return;
    case 'MsgReadIndexResp':
      r.readStates.push({ index: m.index, requestCtx: m.context });
      return;
    default:
      return;
  }
}
