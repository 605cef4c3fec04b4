import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/free-port.ts';
import { etcdBinary, startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';

/** A real etcd 3.4 cluster of three voters and one started learner: the oracle for learner behaviour. */
export interface RealEtcdWithLearner {
  voters: RealEtcdCluster;
  /** The leader's client URL. */
  leaderURL: string;
  learnerURL: string;
  /** The learner's ID, hex. */
  learnerId: string;
  stop(): Promise<void>;
}

const post = async <T>(url: string, path: string, body: unknown): Promise<T> =>
  (await (await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) })).json()) as T;

/**
 * Starts three voters, waits out etcd's 5 s health interval, adds a learner (`member add
 * --learner` through the leader's gateway) and starts it with `--initial-cluster-state existing`,
 * returning once it reports itself a learner with the log applied.
 */
export async function startRealEtcdWithLearner(): Promise<RealEtcdWithLearner> {
  const voters = await startRealEtcd({ members: 3 });
  let learner: ChildProcess | undefined;
  const dir = await mkdtemp(join(tmpdir(), 'edgecd-oracle-learner-'));
  const stop = async (): Promise<void> => {
    if (learner !== undefined && learner.exitCode === null && learner.signalCode === null) {
      const exited = new Promise<void>((resolve) => learner!.once('exit', () => resolve()));
      learner.kill('SIGTERM');
      await exited;
    }
    await voters.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await new Promise((r) => setTimeout(r, 5_500));
    let leaderURL = voters.clientURLs[0]!;
    for (const url of voters.clientURLs) {
      const status = await post<{ header: { member_id: string }; leader: string }>(url, '/v3/maintenance/status', {});
      if (status.leader === status.header.member_id) leaderURL = url;
    }
    const clientURL = `http://127.0.0.1:${await freePort()}`;
    const peerURL = `http://127.0.0.1:${await freePort()}`;
    const added = await post<{ member: { ID: string }; members: { name?: string; peerURLs: string[] }[] }>(leaderURL, '/v3/cluster/member/add', { peerURLs: [peerURL], isLearner: true });
    const initialCluster = added.members.map((m) => `${m.name ?? 'learner'}=${m.peerURLs[0]}`).join(',');
    const log = join(dir, 'learner.log');
    learner = spawn(etcdBinary(), [
      '--name=learner',
      `--data-dir=${join(dir, 'data')}`,
      `--listen-client-urls=${clientURL}`,
      `--advertise-client-urls=${clientURL}`,
      `--listen-peer-urls=${peerURL}`,
      `--initial-advertise-peer-urls=${peerURL}`,
      `--initial-cluster=${initialCluster}`,
      '--initial-cluster-state=existing',
      '--logger=zap',
      `--log-outputs=${log}`,
    ], { stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const status = await post<{ isLearner?: boolean; raftAppliedIndex?: string; raftIndex?: string }>(clientURL, '/v3/maintenance/status', {}).catch(() => undefined);
      if (status?.isLearner === true && status.raftAppliedIndex === status.raftIndex) break;
      if (Date.now() > deadline || learner.exitCode !== null) throw new Error(`the real etcd learner did not start:\n${(await readFile(log, 'utf8').catch(() => '')).slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return { voters, leaderURL, learnerURL: clientURL, learnerId: BigInt(added.member.ID).toString(16), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
