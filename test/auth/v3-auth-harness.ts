import { handleV3, type V3GatewayApi } from '../../src/http/v3/index.ts';
import { WebCryptoPasswordHasher } from '../../src/member/password-hash.ts';
import type { AuthPorts } from '../../src/server/index.ts';
import { ServerCluster, type SimMember } from '../helpers/server-cluster.ts';

/** Cheap PBKDF2 for tests that add and log in many users (the member's real count is 100 000). */
export const TEST_ITERATIONS = 1_000;

let prefixes = 0;
/** Token prefixes for a deterministic run: distinct, 16 letters each, as etcd's. */
export function countingPrefix(): string {
  prefixes++;
  return `tok${String(prefixes).padStart(13, '0')}`.replace(/\d/g, (d) => 'abcdefghij'[Number(d)]!);
}

export function authPorts(iterations = TEST_ITERATIONS): AuthPorts {
  return { hasher: new WebCryptoPasswordHasher(iterations), tokenPrefix: countingPrefix };
}

export interface GatewayAnswer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

/**
 * A simulated cluster (test/helpers/server-cluster.ts) with v3 auth's ports, and its gateway in
 * process: `post` sends a JSON gateway request to a member, with a token if given, and drives the
 * cluster until the answer is there.
 */
export class AuthGatewayCluster {
  readonly cluster: ServerCluster;
  readonly leader: SimMember;

  /** `ports` null: a member with no password hasher (what refuses what needs one). */
  constructor(names: string[] = ['node1'], options: { ports?: AuthPorts | null; snapshotCount?: number } = {}) {
    const ports = options.ports === undefined ? authPorts() : options.ports;
    this.cluster = new ServerCluster(names, { ...(ports === null ? {} : { authPorts: ports }), ...(options.snapshotCount === undefined ? {} : { snapshotCount: options.snapshotCount }) });
    this.leader = this.cluster.elect();
  }

  async post(path: string, body: unknown, headers: Record<string, string> = {}, member: SimMember = this.leader): Promise<GatewayAnswer> {
    const request = new Request(`http://member${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const response = await this.drive(handleV3(request, path, member.server.v3 as V3GatewayApi, { now: () => this.cluster.nowMs }));
    const text = await this.drive(response.text());
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text.split('\n')[0] ?? '') as Record<string, unknown>;
    } catch {
      // not JSON (a stream cut short, Go's text errors)
    }
    return { status: response.status, body: parsed, text };
  }

  /** A watch stream's first answer (the create's), after which the stream is dropped. */
  async watchCreate(create: Record<string, unknown>, headers: Record<string, string> = {}, member: SimMember = this.leader): Promise<Record<string, unknown>> {
    const controller = new AbortController();
    const request = new Request('http://member/v3/watch', { method: 'POST', headers, body: JSON.stringify({ create_request: create }), signal: controller.signal });
    const response = await this.drive(handleV3(request, '/v3/watch', member.server.v3 as V3GatewayApi, { now: () => this.cluster.nowMs }));
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('\n')) {
      const chunk = await this.drive(reader.read());
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    controller.abort();
    await reader.cancel().catch(() => undefined);
    return (JSON.parse(text.split('\n')[0]!) as { result: Record<string, unknown> }).result;
  }

  /**
   * Drives the cluster until `promise` settles. Unlike ServerCluster.drive it also waits in real
   * time: a KDF runs off the JavaScript thread (WebCrypto) and may take longer than a burst of
   * rounds, after which the proposal it precedes still needs the cluster driven. Simulated time
   * moves only now and then (a tick per 50 idle rounds, at most 100), as elections and ReadIndex
   * rounds need it, so a slow hash does not age leases and tokens.
   */
  async drive<T>(promise: Promise<T>): Promise<T> {
    let settled = false;
    const tracked = promise.finally(() => (settled = true));
    tracked.catch(() => undefined);
    let ticks = 0;
    for (let round = 0; !settled && round < 50_000; round++) {
      this.cluster.settle();
      await new Promise((r) => setImmediate(r));
      if (settled) break;
      if (round % 10 === 9) await new Promise((r) => setTimeout(r, 1));
      if (round % 50 === 49 && ticks < 100) {
        this.cluster.tick();
        ticks++;
      }
    }
    return tracked;
  }

  /** `as(token)`: the header a token travels in through the gateway. */
  static as(token: string): Record<string, string> {
    return { Authorization: token };
  }

  async login(name: string, password: string): Promise<Record<string, string>> {
    const answer = await this.post('/v3/auth/authenticate', { name, password });
    if (answer.status !== 200) throw new Error(`login as ${name}: ${answer.text}`);
    return AuthGatewayCluster.as(answer.body.token as string);
  }

  /** root (password `rootpw`, holding the root role) and auth enabled; root's token. */
  async enableWithRoot(): Promise<Record<string, string>> {
    await this.post('/v3/auth/user/add', { name: 'root', password: 'rootpw' });
    await this.post('/v3/auth/user/grant', { user: 'root', role: 'root' });
    const enabled = await this.post('/v3/auth/enable', {});
    if (enabled.status !== 200) throw new Error(`enable: ${enabled.text}`);
    return this.login('root', 'rootpw');
  }
}

export const b64 = (text: string): string => Buffer.from(text, 'latin1').toString('base64');
