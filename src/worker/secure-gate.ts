/**
 * A deployed edgecd fails closed: on the internet, with no password set, anyone could read and
 * write every key (etcd starts with auth off, which is safe on its loopback default, not here). So
 * the worker serves nothing but a 503 saying how to secure it, until either
 *
 * - `ETCD_ROOT_PASSWORD` is set (a secret: `wrangler secret put ETCD_ROOT_PASSWORD`): before the
 *   first request an isolate forwards, the cluster is bootstrapped with auth on, on both APIs,
 *   through the log like any client's requests: v2's root user, a guest role with no access, and
 *   `/v2/auth/enable`; v3's root user with the root role and AuthEnable. Each step checks first and is idempotent, so every
 *   isolate runs it once and the cluster is set up once; or
 * - `EDGECD_ALLOW_UNAUTHENTICATED_ACCESS` is `true` (a var): open, as etcd is by default.
 *
 * With both, the password wins. `npm start` (a loopback cluster, as etcd's default) sets the
 * opt-out and says so.
 */

export interface SecurityEnv {
  ETCD_ROOT_PASSWORD?: string;
  EDGECD_ALLOW_UNAUTHENTICATED_ACCESS?: string;
}

export type Security = { mode: 'unsecured' } | { mode: 'open' } | { mode: 'root-password'; password: string };

export const ROOT_PASSWORD_SECRET = 'ETCD_ROOT_PASSWORD';
export const ALLOW_UNAUTHENTICATED_VAR = 'EDGECD_ALLOW_UNAUTHENTICATED_ACCESS';

export function securityOf(env: SecurityEnv): Security {
  const password = env.ETCD_ROOT_PASSWORD ?? '';
  if (password !== '') return { mode: 'root-password', password };
  if (env.EDGECD_ALLOW_UNAUTHENTICATED_ACCESS === 'true') return { mode: 'open' };
  return { mode: 'unsecured' };
}

const HOW_TO_SECURE =
  `Set a root password as a secret (wrangler secret put ${ROOT_PASSWORD_SECRET}); the cluster then starts with authentication ` +
  `enabled on the v2 and v3 APIs, with the user root. Or, to serve without authentication on purpose, set the var ` +
  `${ALLOW_UNAUTHENTICATED_VAR} = "true". Then deploy again.`;

/** What every route answers while the deployment is not secured. */
export function unsecuredResponse(): Response {
  return Response.json(
    { error: 'edgecd is not secured', message: `This edgecd deployment refuses every request until it is secured. ${HOW_TO_SECURE}` },
    { status: 503, headers: { 'Cache-Control': 'no-store' } },
  );
}

/** What a request answers when the bootstrap could not finish (the cluster not up yet, say). */
export function bootstrapFailedResponse(reason: string): Response {
  return Response.json(
    { error: 'edgecd is securing its cluster', message: `Authentication is being enabled and could not be yet (${reason}); try again shortly.` },
    { status: 503, headers: { 'Cache-Control': 'no-store', 'Retry-After': '1' } },
  );
}

type Forward = (request: Request) => Promise<Response>;

/**
 * The bootstrap, once per isolate (a failed one is tried again by the next request). Until it has
 * finished no request of this isolate is forwarded, so auth is on from the first request served.
 */
export class AuthBootstrap {
  private done: Promise<void> | undefined;

  constructor(private readonly password: string) {}

  ensure(forward: Forward): Promise<void> {
    this.done ??= bootstrap(this.password, forward).catch((error: unknown) => {
      this.done = undefined;
      throw error;
    });
    return this.done;
  }

  /** Whether this isolate's bootstrap was made for `password` (a new secret means a new isolate). */
  isFor(password: string): boolean {
    return this.password === password;
  }
}

async function bootstrap(password: string, forward: Forward): Promise<void> {
  await enableV2(password, forward);
  await enableV3(password, forward);
}

const INTERNAL = 'http://edgecd.internal';

/**
 * v2: `GET /v2/auth/enable`; if off, root with the password (created or updated), a guest role
 * with no permissions unless one exists, and `PUT /v2/auth/enable`. The guest role first: etcd's
 * enable creates a missing guest role with every key's read and write, which would leave
 * anonymous clients all access; one that exists is kept as it is (the operator's).
 */
async function enableV2(password: string, forward: Forward): Promise<void> {
  const state = await call(forward, 'GET', '/v2/auth/enable');
  if (state.status !== 200) throw new Error(`GET /v2/auth/enable answered ${state.status}: ${state.text}`);
  if ((JSON.parse(state.text) as { enabled?: boolean }).enabled === true) return;
  const root = await call(forward, 'PUT', '/v2/auth/users/root', { user: 'root', password });
  if (root.status !== 200 && root.status !== 201) throw new Error(`PUT /v2/auth/users/root answered ${root.status}: ${root.text}`);
  const guest = await call(forward, 'PUT', '/v2/auth/roles/guest', { role: 'guest', permissions: { kv: { read: [], write: [] } } });
  if (guest.status !== 201 && guest.status !== 409) throw new Error(`PUT /v2/auth/roles/guest answered ${guest.status}: ${guest.text}`);
  const enabled = await call(forward, 'PUT', '/v2/auth/enable');
  // 409: another isolate enabled it meanwhile.
  if (enabled.status !== 200 && enabled.status !== 409) throw new Error(`PUT /v2/auth/enable answered ${enabled.status}: ${enabled.text}`);
}

/**
 * v3: a login as root says whether it is done (auth on, this password); "not enabled" means set it
 * up: root with the password (added, or its password changed), the root role, AuthEnable. A login
 * refused with auth on means someone secured it with another password: secured, and left as it is.
 */
async function enableV3(password: string, forward: Forward): Promise<void> {
  const login = await call(forward, 'POST', '/v3/auth/authenticate', { name: 'root', password });
  if (login.status === 200 || isV3Error(login, 'etcdserver: authentication failed, invalid user ID or password')) return;
  if (!isV3Error(login, 'etcdserver: authentication is not enabled')) throw new Error(`v3 login as root answered ${login.status}: ${login.text}`);
  const added = await call(forward, 'POST', '/v3/auth/user/add', { name: 'root', password });
  if (isV3Error(added, 'etcdserver: user name already exists')) {
    await expectOk(call(forward, 'POST', '/v3/auth/user/changepw', { name: 'root', password }), 'v3 root password');
  } else if (added.status !== 200) {
    throw new Error(`v3 user add root answered ${added.status}: ${added.text}`);
  }
  await expectOk(call(forward, 'POST', '/v3/auth/user/grant', { user: 'root', role: 'root' }), 'v3 root role');
  const enabled = await call(forward, 'POST', '/v3/auth/enable', {});
  if (enabled.status === 200) return;
  // Enabled meanwhile by another isolate: an anonymous enable is then refused; a login tells.
  const again = await call(forward, 'POST', '/v3/auth/authenticate', { name: 'root', password });
  if (again.status !== 200) throw new Error(`v3 auth enable answered ${enabled.status}: ${enabled.text}`);
}

interface Answer {
  status: number;
  text: string;
}

async function call(forward: Forward, method: string, path: string, body?: object): Promise<Answer> {
  const init: RequestInit = { method, headers: { 'Content-Type': 'application/json' } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await forward(new Request(`${INTERNAL}${path}`, init));
  return { status: response.status, text: await response.text() };
}

async function expectOk(answer: Promise<Answer>, what: string): Promise<void> {
  const { status, text } = await answer;
  if (status !== 200) throw new Error(`${what}: answered ${status}: ${text}`);
}

function isV3Error(answer: Answer, message: string): boolean {
  try {
    return (JSON.parse(answer.text) as { message?: string }).message === message;
  } catch {
    return false;
  }
}
