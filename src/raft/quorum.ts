import type { NodeId } from './messages.ts';

/** The outcome of a vote (etcd's quorum.VoteResult). */
export type VoteResult = 'VotePending' | 'VoteLost' | 'VoteWon';

/**
 * Majority-quorum arithmetic over a set of voters (etcd's quorum.MajorityConfig; joint consensus
 * is not supported: membership changes one voter at a time, thesis §4.1).
 */

/**
 * The highest index acknowledged by a majority of voters (paper §5.3: "a majority of matchIndex[i]
 * ≥ N"). An empty configuration commits everything (etcd's convention, so that joining a
 * quorum-less half of a joint config is neutral).
 */
export function committedIndex(voters: ReadonlySet<NodeId>, matchOf: (id: NodeId) => number | undefined): number {
  const n = voters.size;
  if (n === 0) return Number.MAX_SAFE_INTEGER;
  const matches: number[] = [];
  for (const id of voters) matches.push(matchOf(id) ?? 0);
  matches.sort((a, b) => b - a);
  // With descending order, the (n/2 + 1)-th largest is held by a majority.
  return matches[Math.floor(n / 2)] as number;
}

/** Whether the votes so far win, lose, or leave the election open. */
export function voteResult(voters: ReadonlySet<NodeId>, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.size === 0) return 'VoteWon';
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = Math.floor(voters.size / 2) + 1;
  if (granted >= q) return 'VoteWon';
  if (granted + missing >= q) return 'VotePending';
  return 'VoteLost';
}
