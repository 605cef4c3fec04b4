import './build-flags.ts';
/**
 * A member's settings, named after etcd's flags, read from the worker's environment (wrangler
 * vars in deployment, Miniflare bindings locally).
 */
export interface MemberConfig {
  /** `--initial-cluster`: member name → peer URLs. */
  initialCluster: Map<string, string[]>;
  /** `--initial-cluster-token`. */
  initialClusterToken: string;
  /** `--heartbeat-interval` in ms (etcd's default 100). */
  heartbeatMs: number;
  /** `--election-timeout` in ms (etcd's default 1000). */
  electionMs: number;
  /** `--snapshot-count`. */
  snapshotCount: number;
  /** `--quota-backend-bytes`: the v3 store's SQLite bytes past which writes raise NOSPACE. */
  quotaBackendBytes: number;
  /** `--quota-v3-keys`: the keys the v3 store may index in memory (edgecd's own flag). */
  quotaV3Keys: number;
  /** `--quota-v2-bytes`: the v2 store's size in memory past which writes are refused (edgecd's). */
  quotaV2Bytes: number;
  /** `--max-watchers`: v2 long polls a member holds at once (edgecd's own flag). */
  maxWatchers: number;
  /** `--advertise-client-urls` per member name; members not listed advertise `publicURL`. */
  clientURLs: Map<string, string[]>;
  publicURL: string | undefined;
  /** Test and local builds only: crash and fault-injection hooks. */
  faultInjection: boolean;
}

export interface MemberEnv {
  MEMBER: DurableObjectNamespace;
  INITIAL_CLUSTER: string;
  INITIAL_CLUSTER_TOKEN: string;
  HEARTBEAT_INTERVAL?: string;
  ELECTION_TIMEOUT?: string;
  SNAPSHOT_COUNT?: string;
  QUOTA_BACKEND_BYTES?: string;
  QUOTA_V3_KEYS?: string;
  QUOTA_V2_BYTES?: string;
  MAX_WATCHERS?: string;
  ADVERTISE_CLIENT_URLS?: string;
  PUBLIC_URL?: string;
  FAULT_INJECTION?: string;
}

/**
 * etcd 3.4's default `--snapshot-count`. A snapshot serialises the whole store on the member's one
 * thread (about 24 MB and 150-190 ms for 100k keys), so taking them rarely matters more here
 * than the log replayed at start-up.
 */
const DEFAULT_SNAPSHOT_COUNT = 100_000;

/**
 * The v2 store lives in the member's memory. Measured: a member at 32 MiB holds 155,841 keys of
 * 100-byte values in 32.2 MB of heap. A snapshot serialises the store once more for a moment
 * (about as much again): within the 128 MB a production isolate has, with room for the log, the
 * event history, the v3 key index and requests in flight.
 */
export const DEFAULT_QUOTA_V2_BYTES = 32 * 1024 * 1024;

/** etcd's own default `--quota-backend-bytes` (2 GiB): the v3 values live in SQLite, not memory. */
export const DEFAULT_QUOTA_BACKEND_BYTES = 2 * 1024 * 1024 * 1024;

/**
 * The v3 key index lives in memory, as etcd's `treeIndex` does: about 300 bytes a key with one
 * revision (measured in Node: scripts/bench-mvcc.ts), ~45 per further revision until compacted.
 * 150,000 keys is ~50 MB at most, beside the v2 store's 32 MiB in the 128 MB an isolate has.
 */
export const DEFAULT_QUOTA_V3_KEYS = 150_000;

/**
 * An idle v2 long poll costs its member a watcher and an open request (a few KB). 10,000 is far
 * above what etcd's users keep per member (one or a few per client) and well within an isolate.
 */
export const DEFAULT_MAX_WATCHERS = 10_000;

export function readConfig(env: MemberEnv): MemberConfig {
  return {
    initialCluster: parseNameURLs(env.INITIAL_CLUSTER),
    initialClusterToken: env.INITIAL_CLUSTER_TOKEN || 'etcd-cluster',
    heartbeatMs: positive(env.HEARTBEAT_INTERVAL, 100),
    electionMs: positive(env.ELECTION_TIMEOUT, 1000),
    snapshotCount: positive(env.SNAPSHOT_COUNT, DEFAULT_SNAPSHOT_COUNT),
    quotaBackendBytes: positive(env.QUOTA_BACKEND_BYTES, DEFAULT_QUOTA_BACKEND_BYTES),
    quotaV3Keys: positive(env.QUOTA_V3_KEYS, DEFAULT_QUOTA_V3_KEYS),
    quotaV2Bytes: positive(env.QUOTA_V2_BYTES, DEFAULT_QUOTA_V2_BYTES),
    maxWatchers: positive(env.MAX_WATCHERS, DEFAULT_MAX_WATCHERS),
    clientURLs: parseNameURLs(env.ADVERTISE_CLIENT_URLS ?? ''),
    publicURL: env.PUBLIC_URL || undefined,
    // Both a build that has the hooks (build-flags.ts) and the var that switches them on.
    faultInjection: EDGECD_FAULT_INJECTION && env.FAULT_INJECTION === 'true',
  };
}

/** `name=url,name=url2,...` (etcd's `--initial-cluster` syntax; a name may repeat for more URLs). */
export function parseNameURLs(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const name = item.slice(0, eq).trim();
    const url = item.slice(eq + 1).trim();
    out.set(name, [...(out.get(name) ?? []), url]);
  }
  return out;
}

/**
 * The Durable Object name behind a logical peer URL (`http://node2:2380` → `node2`). Asked for
 * every message sent and every client response (the leader hint), of a handful of URLs: parsed
 * once each.
 */
const names = new Map<string, string>();

export function memberNameOfPeerURL(url: string): string {
  let name = names.get(url);
  if (name === undefined) {
    name = new URL(url).hostname;
    names.set(url, name);
  }
  return name;
}

function positive(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
