import type { EdgecdTarget } from './targets/edgecd.ts';
import { firstSuccessfulWrite, leaderOf } from './v2-client.ts';

export interface ResetTrial {
  oldLeader: string;
  newLeader: string | undefined;
  /** From asking for the reset to the first 2xx PUT through the front door. */
  toFirstWriteMs: number;
}

/**
 * Resets the leader member (`ctx.abort()`, as a crash would, through the launcher's control
 * channel) and times the first successful write through the front door afterwards. Between
 * trials the cluster is left to settle on a leader that serves writes.
 */
export async function timeLeaderResets(edgecd: EdgecdTarget, trials: number, log: (line: string) => void): Promise<ResetTrial[]> {
  const results: ResetTrial[] = [];
  for (let trial = 1; trial <= trials; trial++) {
    const leader = await settledLeader(edgecd.url);
    const started = performance.now();
    await edgecd.abortMember(leader);
    const toFirstWriteMs = await firstSuccessfulWrite(edgecd.url, 'bench/after-reset', started, 20_000);
    const newLeader = (await leaderOf(edgecd.url))?.name;
    results.push({ oldLeader: leader, newLeader, toFirstWriteMs });
    log(`  reset ${trial}/${trials}: ${leader} reset, first write after ${Math.round(toFirstWriteMs)} ms (leader now ${newLeader ?? '?'})`);
  }
  return results;
}

/** A leader that has just served a write, after a pause that lets a previous reset play out. */
async function settledLeader(url: string): Promise<string> {
  await new Promise((r) => setTimeout(r, 2_000));
  const deadline = Date.now() + 20_000;
  for (;;) {
    await firstSuccessfulWrite(url, 'bench/settle', performance.now(), 20_000);
    const leader = await leaderOf(url);
    if (leader !== undefined && leader.name !== '') return leader.name;
    if (Date.now() > deadline) throw new Error('edgecd did not settle on a leader');
    await new Promise((r) => setTimeout(r, 200));
  }
}
