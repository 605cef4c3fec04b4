import { startRealEtcd } from '../../real-etcd.ts';
import { defer } from '../processes.ts';
import { leaderOf } from '../v2-client.ts';
import type { Target } from './target.ts';

/**
 * Real etcd 3.4 with `--enable-v2`, three members on loopback. Clients talk to the leader's
 * client URL, as edgecd's front door routes every request to its leader: a write then costs no
 * follower→leader forwarding on either side.
 */
export async function startEtcd(): Promise<Target & { pids: number[] }> {
  const cluster = await startRealEtcd({ members: 3, token: 'edgecd-bench' });
  const forget = defer('real etcd', () => cluster.stop());
  const deadline = Date.now() + 15_000;
  let leader = await leaderOf(cluster.clientURLs[0]!);
  while (leader === undefined || leader.clientURLs.length === 0) {
    if (Date.now() > deadline) throw new Error('real etcd elected no leader');
    await new Promise((r) => setTimeout(r, 100));
    leader = await leaderOf(cluster.clientURLs[0]!);
  }
  return {
    name: 'etcd',
    url: leader.clientURLs[0]!,
    pids: cluster.pids,
    stop: async () => {
      forget();
      await cluster.stop();
    },
  };
}
