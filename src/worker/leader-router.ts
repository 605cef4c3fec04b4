import { FRONT_DOOR_HEADER, LEADER_HEADER, MEMBER_HEADER, NOT_LEADER_STATUS } from '../member/index.ts';

/** How long the front door keeps trying while the cluster elects a leader. */
const ELECTION_WAIT_MS = 5_000;
const RETRY_PAUSE_MS = 50;

/**
 * Sends a request to the leader member and follows the cluster through elections. The leader is
 * cached per isolate; a member that is not the leader answers 421 naming the one it knows, and
 * during an election (no leader known, member unreachable) the router waits briefly and tries
 * again. Only requests that no member has processed are retried, so a retry is always safe.
 */
export class LeaderRouter {
  private leader: string | undefined;

  constructor(
    private readonly namespace: DurableObjectNamespace,
    private readonly members: readonly string[],
  ) {}

  async forward(request: Request): Promise<Response> {
    const body = request.method === 'GET' || request.method === 'HEAD' ? null : await request.arrayBuffer();
    const deadline = Date.now() + ELECTION_WAIT_MS;
    let attempt = 0;
    for (;;) {
      const target = this.leader ?? this.members[attempt % this.members.length]!;
      attempt++;
      let response: Response | undefined;
      try {
        response = await this.stub(target).fetch(this.forwarded(request, target, body));
      } catch {
        this.leader = undefined;
      }
      if (response !== undefined) {
        const hint = response.headers.get(LEADER_HEADER) ?? '';
        if (response.status !== NOT_LEADER_STATUS) {
          this.leader = hint === '' ? this.leader : hint;
          return withoutInternalHeaders(response);
        }
        this.leader = hint === '' ? undefined : hint;
        if (hint !== '' && hint !== target) continue;
      }
      if (Date.now() > deadline) return noLeader();
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
  }

  private stub(name: string): DurableObjectStub {
    return this.namespace.get(this.namespace.idFromName(name));
  }

  private forwarded(request: Request, target: string, body: ArrayBuffer | null): Request {
    const headers = new Headers(request.headers);
    headers.set(FRONT_DOOR_HEADER, '1');
    headers.set(MEMBER_HEADER, target);
    return new Request(request.url, { method: request.method, headers, body, signal: request.signal });
  }
}

function withoutInternalHeaders(response: Response): Response {
  if (!response.headers.has(LEADER_HEADER)) return response;
  const headers = new Headers(response.headers);
  headers.delete(LEADER_HEADER);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** What etcd answers when a request can't reach a leader in time (errorCode 300). */
function noLeader(): Response {
  return new Response(
    `${JSON.stringify({ errorCode: 300, message: 'Raft Internal Error', cause: 'etcdserver: request timed out', index: 0 })}\n`,
    { status: 500, headers: { 'Content-Type': 'application/json', 'X-Etcd-Index': '0' } },
  );
}
