import { startRealEtcd } from '../../scripts/real-etcd.ts';
import { launchCluster } from './launcher.ts';

/**
 * The v3 targets that the real-client suites (Patroni's etcd3 DCS, etcd3gw) run against: a real
 * etcd 3.4 (the oracle; its JSON gateway is on by default on every client URL) and edgecd's
 * local cluster. `V3_TARGET` picks them:
 *
 * - unset or `both`: edgecd and etcd, compared. While edgecd has no v3 gateway (its
 *   `POST /v3/kv/range` answers 404) the edgecd half is skipped with a message saying so.
 * - `etcd`: real etcd only.
 * - `edgecd`: edgecd only, and an edgecd without a v3 gateway fails instead of skipping.
 *
 * `V3_EDGECD_URL` points the edgecd half at a cluster already running (started by hand, or
 * deployed) instead of a local cluster this run starts; it must be fresh for the comparisons
 * that count revisions.
 */
export type V3TargetName = 'etcd' | 'edgecd';

export interface V3Target {
  name: V3TargetName;
  /** The URL a client is given: edgecd's front door, or etcd's first member. */
  url: string;
  /** Every member's advertised client URL (what `/v3/cluster/member/list` lists). */
  memberURLs: string[];
  /** What the server printed (edgecd's launcher and workerd), when this run started it. */
  output?(): string;
  stop(): Promise<void>;
}

export interface TargetChoice {
  names: V3TargetName[];
  /** V3_TARGET named edgecd alone: a missing gateway is then a failure, not a skip. */
  edgecdRequired: boolean;
}

export function chosenTargets(value = process.env.V3_TARGET): TargetChoice {
  switch (value ?? 'both') {
    case 'both':
    case '':
      return { names: ['edgecd', 'etcd'], edgecdRequired: false };
    case 'etcd':
      return { names: ['etcd'], edgecdRequired: false };
    case 'edgecd':
      return { names: ['edgecd'], edgecdRequired: true };
    default:
      throw new Error(`V3_TARGET must be etcd, edgecd or both, not ${JSON.stringify(value)}`);
  }
}

/**
 * Whether `url` serves etcd's v3 JSON gateway. etcd's HTTP mux answers a path it has no handler
 * for with 404 ("404 page not found"); any other answer to a well-formed range means a gateway.
 */
export async function hasV3Gateway(url: string): Promise<boolean> {
  const response = await fetch(`${url}/v3/kv/range`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"key":"AA=="}' });
  await response.arrayBuffer();
  return response.status !== 404;
}

export const NO_GATEWAY =
  'edgecd has no v3 gateway yet (POST /v3/kv/range answers 404): the edgecd half is skipped. ' +
  'It runs by itself once the gateway lands; V3_TARGET=etcd runs real etcd alone, V3_TARGET=edgecd requires edgecd.';

/**
 * Starts one target, or says why the edgecd half is skipped (a string). `etcdMembers`: the size
 * of the real etcd cluster (edgecd's local cluster always has three members).
 */
export async function startV3Target(name: V3TargetName, options: { etcdMembers?: 1 | 3; edgecdRequired?: boolean } = {}): Promise<V3Target | string> {
  if (name === 'etcd') {
    const etcd = await startRealEtcd({ members: options.etcdMembers ?? 3 });
    return { name, url: etcd.clientURLs[0]!, memberURLs: etcd.clientURLs, stop: () => etcd.stop() };
  }
  const given = process.env.V3_EDGECD_URL;
  const edgecd = given === undefined || given === '' ? await launchCluster() : undefined;
  const url = edgecd?.url ?? given!.replace(/\/$/, '');
  const stop = async (): Promise<void> => edgecd?.destroy();
  let served: boolean;
  let memberURLs: string[];
  try {
    served = await hasV3Gateway(url);
    memberURLs = edgecd?.memberURLs ?? (served ? await advertisedClientURLs(url) : []);
  } catch (error) {
    await stop();
    throw error;
  }
  if (!served) {
    await stop();
    if (options.edgecdRequired === true) throw new Error('V3_TARGET=edgecd, but edgecd has no v3 gateway yet (POST /v3/kv/range answers 404)');
    process.stderr.write(`${NO_GATEWAY}\n`);
    return NO_GATEWAY;
  }
  return { name, url, memberURLs, stop, ...(edgecd === undefined ? {} : { output: () => edgecd.output() }) };
}

/** The members' client URLs, as `/v3/cluster/member/list` advertises them. */
async function advertisedClientURLs(url: string): Promise<string[]> {
  const response = await fetch(`${url}/v3/cluster/member/list`, { method: 'POST', body: '{}' });
  const body = (await response.json()) as { members?: { clientURLs?: string[] }[] };
  return (body.members ?? []).flatMap((m) => m.clientURLs ?? []);
}

/** The chosen targets started side by side, or the reason the edgecd half is skipped. */
export interface StartedTargets {
  targets: Map<V3TargetName, V3Target>;
  skipReason: string | undefined;
  stop(): Promise<void>;
}

export async function startChosenTargets(choice: TargetChoice, options: { etcdMembers?: 1 | 3 } = {}): Promise<StartedTargets> {
  const started = await Promise.allSettled(choice.names.map((name) => startV3Target(name, { ...options, edgecdRequired: choice.edgecdRequired })));
  const targets = new Map<V3TargetName, V3Target>();
  let skipReason: string | undefined;
  for (const [i, result] of started.entries()) {
    if (result.status !== 'fulfilled') continue;
    if (typeof result.value === 'string') skipReason = result.value;
    else targets.set(choice.names[i]!, result.value);
  }
  const stop = async (): Promise<void> => {
    await Promise.all([...targets.values()].map((t) => t.stop()));
  };
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await stop();
    throw failed.reason;
  }
  return { targets, skipReason, stop };
}
