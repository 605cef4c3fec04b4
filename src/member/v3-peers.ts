import {
  parseWithBigInts,
  stringifyWithBigInts,
  type EtcdServer,
  type LeaderLeases,
  type LeaderMembership,
  type LeaseTimeToLiveResponse,
  type Member,
  type SnapshotStaging,
} from '../server/index.ts';
import type { KeyRow } from '../mvcc/index.ts';
import { MEMBER_HEADER } from './peer-transport.ts';

/**
 * What members ask each other beside Raft messages, for the v3 API: the key rows of a snapshot
 * (etcd streams its bbolt file beside the snapshot message) and lease renewals and time-to-live
 * questions for the leader's lessor (etcd's leasehttp). Internal routes, reached only through
 * Durable Object stubs.
 */
export const SNAPSHOT_ROWS_PATH = '/raft/snapshot-rows';
export const LEASE_RENEW_PATH = '/raft/lease/renew';
export const LEASE_TTL_PATH = '/raft/lease/timetolive';
/** etcd's peer `/members/promote/<id>`: a follower forwards a learner's promotion to the leader. */
export const MEMBER_PROMOTE_PATH = '/raft/members/promote';

/** A page of snapshot rows stops growing past this many bytes of keys and values. */
const PAGE_BYTES = 4 * 1024 * 1024;
/** Rows read from the backend per step while filling a page (values may be 1.5 MiB each). */
const ROWS_PER_STEP = 16;

interface RowsRequest {
  revision: number;
  after?: { main: number; sub: number };
}

/** A stub to another member's object, by its name. */
export type PeerStub = (name: string) => DurableObjectStub;

/**
 * Pulls the rows of a snapshot from the member that sent it into `staging`, page by page, before
 * the snapshot message is stepped (the server installs them when it applies the snapshot).
 */
export async function pullSnapshotRows(stub: PeerStub, from: string, revision: number, staging: SnapshotStaging): Promise<void> {
  staging.clear();
  let after: { main: number; sub: number } | undefined;
  for (;;) {
    const body: RowsRequest = after === undefined ? { revision } : { revision, after };
    const response = await stub(from).fetch(`https://member${SNAPSHOT_ROWS_PATH}`, {
      method: 'POST',
      headers: { [MEMBER_HEADER]: from },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`snapshot rows from ${from}: ${response.status} ${await response.text()}`);
    const rows = parseWithBigInts<KeyRow[]>(await response.text());
    if (rows.length === 0) return;
    staging.add(rows);
    const last = rows[rows.length - 1]!;
    after = { main: last.main, sub: last.sub };
  }
}

/** Serves a page of this member's rows for a snapshot (the other side of `pullSnapshotRows`). */
export async function serveSnapshotRows(request: Request, server: EtcdServer): Promise<Response> {
  const { revision, after } = (await request.json()) as RowsRequest;
  const page: KeyRow[] = [];
  let bytes = 0;
  let cursor = after;
  while (bytes < PAGE_BYTES) {
    const rows = server.snapshotRows(revision, cursor, ROWS_PER_STEP);
    if (rows.length === 0) break;
    for (const row of rows) bytes += row.key.length + row.value.length;
    page.push(...rows);
    const last = rows[rows.length - 1]!;
    cursor = { main: last.main, sub: last.sub };
  }
  return new Response(stringifyWithBigInts(page), { headers: { 'Content-Type': 'application/json' } });
}

/** The leader's lessor as a follower reaches it (etcd's `leasehttp.RenewHTTP`, `TimeToLiveHTTP`). */
export function leaderLeases(stub: PeerStub, leader: string): LeaderLeases {
  const call = async (path: string, body: unknown): Promise<string> => {
    const response = await stub(leader).fetch(`https://member${path}`, {
      method: 'POST',
      headers: { [MEMBER_HEADER]: leader },
      body: stringifyWithBigInts(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(text);
    return text;
  };
  return {
    renew: async (id) => parseWithBigInts<{ ttl: number }>(await call(LEASE_RENEW_PATH, { id })).ttl,
    timeToLive: async (id, keys) => parseWithBigInts<LeaseTimeToLiveResponse>(await call(LEASE_TTL_PATH, { id, keys })),
  };
}

/**
 * The leader's side of lease forwarding. The answer is the leader's own (a lease it does not
 * know is TTL 0 on renew, TTL -1 on time-to-live, as etcd's lease server answers); an error
 * (not the leader any more) travels back as its message.
 */
export async function serveLeaseRequest(request: Request, path: string, server: EtcdServer): Promise<Response> {
  const body = parseWithBigInts<{ id: bigint; keys?: boolean }>(await request.text());
  try {
    if (!server.raftStatus.isLeader) throw new Error('etcdserver: not leader');
    const answer =
      path === LEASE_RENEW_PATH
        ? { ttl: (await server.v3.leaseKeepAlive({ id: body.id })).ttl }
        : await server.v3.leaseTimeToLive({ id: body.id, keys: body.keys === true });
    return new Response(stringifyWithBigInts(answer), { headers: { 'Content-Type': 'application/json' } });
  } catch (error) {
    return new Response(error instanceof Error ? error.message : String(error), { status: 503 });
  }
}

/** The leader's membership as a follower reaches it (etcd's `promoteMemberHTTP`). */
export function leaderMembership(stub: PeerStub, leader: string): LeaderMembership {
  return {
    promoteMember: async (id) => {
      const response = await stub(leader).fetch(`https://member${MEMBER_PROMOTE_PATH}`, {
        method: 'POST',
        headers: { [MEMBER_HEADER]: leader },
        body: JSON.stringify({ id }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(text);
      return JSON.parse(text) as Member[];
    },
  };
}

/**
 * The leader's side of a forwarded promotion (etcd's `peerMemberPromoteHandler`): the members
 * after it, or the error's message for the follower to judge (it passes some on, retries others).
 */
export async function serveMemberPromote(request: Request, server: EtcdServer): Promise<Response> {
  const { id } = (await request.json()) as { id: string };
  try {
    return Response.json(await server.promoteMember(id));
  } catch (error) {
    return new Response(error instanceof Error ? error.message : String(error), { status: 503 });
  }
}
