import { REQUEST_ID_HEADER, requestTarget } from '../http/index.ts';
import { FRONT_DOOR_HEADER, FRONT_DOOR_READ, LEADER_HEADER, MEMBER_HEADER, NOT_LEADER_STATUS } from '../member/index.ts';
import { clientHeaders, memberBoundURL } from './member-bound.ts';

/** How long the front door keeps trying while the cluster elects a leader. */
const ELECTION_WAIT_MS = 5_000;
const RETRY_PAUSE_MS = 50;

/**
 * Causes of etcd's 300 Raft Internal Error after which the request may be sent again: its member
 * lost leadership or found none. A retry carries the same request ID, so if the first attempt
 * did commit, the retry is answered with its outcome instead of being applied twice.
 */
const RETRYABLE_CAUSES = [
  'etcdserver: leader changed',
  'etcdserver: request timed out, possibly due to previous leader failure',
  'the member has been permanently removed from the cluster',
];

/**
 * Sends a request to the leader member and follows the cluster through elections. The leader is
 * cached per isolate; a member that is not the leader answers 421 naming the one it knows; during
 * an election (no leader known, member unreachable, leadership lost mid-request) the router
 * waits briefly and tries again, for up to ELECTION_WAIT_MS.
 */
export class LeaderRouter {
  private leader: string | undefined;
  /** The member the next spread read goes to (round robin). */
  private nextReader = 0;

  constructor(
    private readonly namespace: DurableObjectNamespace,
    private readonly members: readonly string[],
    /**
     * Quorum reads round robin over members (followers serve them by ReadIndex). Where each
     * member has its own thread (production) this spreads read load; where all share one
     * (locally) it only adds the follower's two peer hops, so it can be turned off.
     */
    private readonly spreadQuorumReads = true,
  ) {}

  /** `request` is the client's own: each attempt sends one copy of it, as member-bound.ts bounds it. */
  async forward(request: Request): Promise<Response> {
    const url = memberBoundURL(request.url);
    const headers = clientHeaders(request.headers);
    const body = request.method === 'GET' || request.method === 'HEAD' ? null : await request.arrayBuffer();
    // Reads are never applied twice, so only writes need an ID to deduplicate retries by.
    const requestId = body === null ? undefined : crypto.randomUUID();
    const deadline = Date.now() + ELECTION_WAIT_MS;
    // A quorum read goes to any member, round robin: a follower serves it by ReadIndex (it asks
    // the leader for the read point and waits until it has applied it, etcd's
    // linearizableReadLoop), so read capacity grows with members. A member that cannot (not
    // started, say) answers "not leader" and the read follows the leader like any request.
    let spread = this.spreadQuorumReads && isQuorumRead(request);
    let attempt = 0;
    for (;;) {
      const target = spread ? this.members[this.nextReader++ % this.members.length]! : (this.leader ?? this.members[attempt % this.members.length]!);
      attempt++;
      const response = await this.stub(target)
        .fetch(forwarded(request, url, headers, target, requestId, body, spread))
        .catch(() => undefined);
      if (spread) {
        spread = false;
        if (response !== undefined && response.status !== NOT_LEADER_STATUS && response.status !== 500 && response.status !== 503) return response;
        await response?.body?.cancel();
        continue;
      }
      const outcome = response === undefined ? 'retry' : await this.classify(response, target);
      if (outcome !== 'retry' && outcome !== 'redirected') return outcome;
      // Out of time: what the last member said (not leader, leader changed) is not a client's answer.
      if (Date.now() > deadline) return timedOut();
      if (outcome === 'retry') await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
  }

  /** The response to hand back, or whether to try again (now at a named leader, or after a pause). */
  private async classify(response: Response, target: string): Promise<Response | 'retry' | 'redirected'> {
    if (response.status === NOT_LEADER_STATUS) {
      const hint = response.headers.get(LEADER_HEADER) ?? '';
      this.leader = hint === '' ? undefined : hint;
      return hint !== '' && hint !== target ? 'redirected' : 'retry';
    }
    if (response.status === 500 || response.status === 503) {
      const text = await response.text();
      if (RETRYABLE_CAUSES.some((cause) => text.includes(cause))) {
        this.leader = undefined;
        return 'retry';
      }
      return new Response(text, response);
    }
    // Only the leader answers the front door with anything but 421.
    this.leader = target;
    return response;
  }

  /**
   * A stub per request: a stub belongs to the request that made it, and one kept for the next
   * request fails there (measured: every request then paid a failed attempt and a retry).
   */
  private stub(name: string): DurableObjectStub {
    return this.namespace.get(this.namespace.idFromName(name));
  }
}

/**
 * A v2 `GET ?quorum=true` that is not a watch (etcd parses the flag with Go's ParseBool; a
 * spelling missed here only means the leader serves it).
 */
function isQuorumRead(request: Request): boolean {
  if (request.method !== 'GET') return false;
  const { pathname, search } = requestTarget(request.url);
  if (!pathname.startsWith('/v2/keys')) return false;
  return /[?&]quorum=(?:1|t|T|true|TRUE|True)(?:&|$)/.test(search) && !/[?&]wait=/.test(search);
}

function forwarded(request: Request, url: string, headers: Headers, target: string, requestId: string | undefined, body: ArrayBuffer | null, spread: boolean): Request {
  // Set, not appended (and edgecd's own names were never the client's: see clientHeaders).
  headers.set(FRONT_DOOR_HEADER, spread ? FRONT_DOOR_READ : '1');
  headers.set(MEMBER_HEADER, target);
  if (requestId !== undefined) headers.set(REQUEST_ID_HEADER, requestId);
  // A member's redirect (Go's ServeMux: `/v3` -> `/v3/`) is the client's to follow, not ours.
  return new Request(url, { method: request.method, headers, body, signal: request.signal, redirect: 'manual' });
}

/** What etcd answers when a request finds no leader in time (errorCode 300). */
function timedOut(): Response {
  return new Response(
    `${JSON.stringify({ errorCode: 300, message: 'Raft Internal Error', cause: 'etcdserver: request timed out', index: 0 })}\n`,
    { status: 500, headers: { 'Content-Type': 'application/json', 'X-Etcd-Index': '0' } },
  );
}
