import { handleClientRequest, type ClientContext } from '../../src/http/index.ts';
import { WebCryptoPasswordHasher } from '../../src/member/password-hash.ts';
import { ServerCluster } from '../helpers/server-cluster.ts';

/**
 * A simulated cluster (real Raft, real stores, simulated network and time) served through the
 * real client handler, with the member's real PBKDF2 hasher at a low iteration count so tests
 * that create many users stay quick.
 */
export class AuthCluster {
  readonly cluster: ServerCluster;
  readonly hasher: WebCryptoPasswordHasher;

  constructor(names = ['node1'], hasher = new WebCryptoPasswordHasher(1_000)) {
    this.cluster = new ServerCluster(names);
    this.hasher = hasher;
    this.cluster.elect();
  }

  context(name = this.leaderName()): ClientContext {
    return { server: this.cluster.member(name).server, clusterId: 'c1', now: () => this.cluster.nowMs, passwords: this.hasher };
  }

  leaderName(): string {
    return this.cluster.leader()!.name;
  }

  /** One request to `member` (the leader by default), the cluster driven until it is answered. */
  async send(method: string, path: string, options: { body?: string; user?: string; headers?: Record<string, string>; member?: string } = {}): Promise<Answer> {
    const headers = new Headers(options.headers);
    if (options.user !== undefined) headers.set('Authorization', `Basic ${btoa(options.user)}`);
    const init: RequestInit = { method, headers };
    if (options.body !== undefined) init.body = options.body;
    const request = new Request(`http://edgecd${path}`, init);
    const response = await this.drive(handleClientRequest(request, this.context(options.member)));
    return { status: response.status, headers: response.headers, body: await response.text() };
  }

  /**
   * Drives the cluster until `promise` settles. Unlike `ServerCluster.drive` it waits on the
   * event loop (the KDF runs off the JS thread) and ticks simulated time only now and then, so
   * a request that hashes and then proposes is not timed out by ticks that raced ahead.
   */
  async drive<T>(promise: Promise<T>): Promise<T> {
    let settled = false;
    const tracked = promise.finally(() => (settled = true));
    tracked.catch(() => undefined);
    const deadline = Date.now() + 10_000;
    for (let round = 1; !settled && Date.now() < deadline; round++) {
      this.cluster.settle();
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (!settled && round % 20 === 0) this.cluster.tick();
    }
    return tracked;
  }

  /** PUTs a JSON body to the auth API (as root unless another credential is given). */
  put(path: string, body: unknown, user?: string): Promise<Answer> {
    return this.send('PUT', path, { body: typeof body === 'string' ? body : JSON.stringify(body), ...(user === undefined ? {} : { user }) });
  }

  /** Creates root (password `pw`) and enables auth. */
  async enable(): Promise<void> {
    await this.put('/v2/auth/users/root', { user: 'root', password: 'pw' });
    const enabled = await this.send('PUT', '/v2/auth/enable');
    if (enabled.status !== 200) throw new Error(`enable: ${enabled.status} ${enabled.body}`);
  }
}

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
}
