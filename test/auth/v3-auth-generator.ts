import { seededChoices, type Pick } from '../helpers/random-requests.ts';

/**
 * Seeded cases for the v3 auth differential fuzz (test/e2e/v3-auth-fuzz.test.ts): users, roles,
 * key permissions (prefixes, from-key, inverted ranges), grants, revokes, the switch, logins right
 * and wrong, and every v3 route with no token, a user's token (in `Authorization` or
 * `Grpc-Metadata-Token`), a bad one, a stale one, a `Bearer` one. A model follows the oracle's
 * answers (who has which password, who is logged in, whether auth is on) so that cases are right
 * on purpose as often as wrong, and failed logins stay under edgecd's throttle (a hardening, tested
 * on its own).
 *
 * Never sent, because they make etcd itself misbehave (each is a listed hardening, asserted in
 * test/auth): an alarm raised or cleared (etcd then drops every permission check), a permission
 * grant without a permission (etcd's member panics), a token naming a future log index (etcd
 * holds the request), a password past bcrypt's 72 bytes, and an empty `Authorization` header
 * (workerd drops it before edgecd sees it: a platform fact). Maintenance Hash is not sent: edgecd
 * does not serve it yet (its admin check is in place for when it does). Nested txns are read-only here: etcd
 * does not check them (a hardening) and would otherwise write what edgecd refuses.
 */

export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'user'; user: string; header: 'Authorization' | 'Grpc-Metadata-Token' | 'Bearer' }
  | { kind: 'bad'; token: string }
  | { kind: 'stale'; user: string };

export interface AuthCase {
  name: string;
  path: string;
  body: string;
  caller: Caller;
  /**
   * A streamed answer (watch, keep-alive): read for this long (ms). Long enough on a loaded box
   * for a watch's history to arrive whole (one run in six of 2,000 cases once saw a difference
   * at 250 ms that no rerun repeated).
   */
  stream?: number;
  /** What the case changes if the oracle answers 200. */
  effect?: Effect;
  /** A login of this user (its token is kept if it succeeds). */
  login?: string;
  /** A login that may fail (it names this user). */
  failedLogin?: string;
  /** Cases etcd answers differently on purpose (its holes edgecd closes), by hardening name. */
  hardening?: 'nested-txn' | 'from-key-watch';
}

type Effect =
  | { password: [user: string, password: string] }
  | { noPassword: string }
  | { deleted: string }
  | { enabled: boolean }
  | { passwordChanged: [user: string, password: string] };

const USERS = ['root', 'u1', 'u2', 'u3'];
const ROLES = ['root', 'r1', 'r2', 'r3'];
const PASSWORDS = ['pw1', 'pw2', '', 'p w', 'ü€'];
export const KEYS = ['a', 'a/x', 'a/y', 'b', 'c', 'k', 'z/1', '\u0000', '\u00ff'];
const RANGE_ENDS = ['', '', '\u0000', 'a0', 'b', 'c', 'a/', 'z0', 'a/y'];
const PERM_TYPES = ['READ', 'WRITE', 'READWRITE'];
/** Leases granted with these IDs, so both sides name them (and the lock keys on them) alike. */
const LEASES = ['1001', '1002', '1003'];
/** Per user and in all: below the throttle's 10 and 30 (src/auth/login-throttle.ts) in 5 minutes. */
const USER_FAILURE_BUDGET = 8;
const CLIENT_FAILURE_BUDGET = 25;

export const b64 = (text: string): string => Buffer.from(text, 'latin1').toString('base64');
const json = (value: unknown): string => JSON.stringify(value);

export class V3AuthCaseGenerator {
  private readonly pick: Pick;
  private readonly chance: (p: number) => boolean;
  /** Users of the oracle whose password the model knows; no-password users are ''. */
  readonly passwords = new Map<string, string | undefined>();
  /** Users with a token the oracle honours, as far as the model knows. */
  readonly loggedIn = new Set<string>();
  /** Users whose token was invalidated (deleted, new password): stale tokens to send. */
  readonly stale = new Set<string>();
  private enabled = false;
  private readonly failures = new Map<string, number>();
  private totalFailures = 0;
  private step = 0;

  constructor(seed: number) {
    ({ pick: this.pick, chance: this.chance } = seededChoices(seed));
  }

  get authEnabled(): boolean {
    return this.enabled;
  }

  get failedLogins(): number {
    return this.totalFailures;
  }

  /** What the oracle answered: the model follows it. */
  learn(c: AuthCase, status: number, body: { message?: string } | undefined): void {
    // Any login the oracle refused counts, for the user named and the client: edgecd's throttle
    // counts fewer (an unknown user only for the client, a no-password user not at all).
    if (c.path === '/v3/auth/authenticate' && status !== 200) {
      const user = /"name":"([^"]*)"/.exec(c.body)?.[1] ?? '';
      this.failures.set(user, (this.failures.get(user) ?? 0) + 1);
      this.totalFailures++;
    }
    if (c.caller.kind === 'user' && body?.message === 'etcdserver: invalid auth token') this.invalidate(c.caller.user);
    if (status !== 200) return;
    if (c.login !== undefined) {
      this.loggedIn.add(c.login);
      this.stale.delete(c.login);
    }
    const effect = c.effect;
    if (effect === undefined) return;
    if ('password' in effect) this.passwords.set(effect.password[0], effect.password[1]);
    else if ('noPassword' in effect) this.passwords.set(effect.noPassword, undefined);
    else if ('deleted' in effect) {
      this.passwords.delete(effect.deleted);
      this.invalidate(effect.deleted);
    } else if ('passwordChanged' in effect) {
      this.passwords.set(effect.passwordChanged[0], effect.passwordChanged[1]);
      this.invalidate(effect.passwordChanged[0]);
    } else {
      this.enabled = effect.enabled;
      if (!effect.enabled) for (const user of [...this.loggedIn]) this.invalidate(user);
    }
  }

  next(): AuthCase {
    this.step++;
    // Now and then the next step of a plan that builds an interesting state (root able to enable,
    // users holding roles with permissions, logged in), whatever the random cases undid.
    if (this.chance(0.2)) {
      const c = this.planned();
      if (c !== undefined) return c;
    }
    const kind = this.pick([
      'login', 'login', 'user', 'user', 'user', 'role', 'role', 'role', 'switch',
      'kv', 'kv', 'kv', 'kv', 'kv', 'kv', 'lease', 'watch', 'cluster', 'lock', 'odd',
    ]);
    const c = this.build(kind);
    if (c.login === undefined && c.failedLogin === undefined) c.caller = this.caller();
    return c;
  }

  private planStep = 0;

  private planned(): AuthCase | undefined {
    const anon: Caller = { kind: 'anonymous' };
    const root: Caller = this.loggedIn.has('root') ? { kind: 'user', user: 'root', header: 'Authorization' } : anon;
    const name = `plan ${this.step}`;
    const steps: (() => AuthCase | undefined)[] = [
      () => (this.passwords.has('root') ? undefined : { name, path: '/v3/auth/user/add', body: json({ name: 'root', password: 'pw1' }), caller: root, effect: { password: ['root', 'pw1'] } }),
      () => ({ name, path: '/v3/auth/user/grant', body: json({ user: 'root', role: 'root' }), caller: root }),
      () => ({ name, path: '/v3/auth/role/add', body: json({ name: 'r1' }), caller: root }),
      () => ({ name, path: '/v3/auth/role/grant', body: json({ name: 'r1', perm: { permType: 'READWRITE', key: b64('a/'), range_end: b64('a0') } }), caller: root }),
      () => ({ name, path: '/v3/auth/role/grant', body: json({ name: 'r1', perm: { key: b64('k') } }), caller: root }),
      () => (this.passwords.has('u1') ? undefined : { name, path: '/v3/auth/user/add', body: json({ name: 'u1', password: 'pw2' }), caller: root, effect: { password: ['u1', 'pw2'] } }),
      () => ({ name, path: '/v3/auth/user/grant', body: json({ user: 'u1', role: 'r1' }), caller: root }),
      () => (this.enabled ? undefined : { name, path: '/v3/auth/enable', body: '{}', caller: root, effect: { enabled: true } }),
      () => this.loginOf('root', name),
      () => this.loginOf('u1', name),
      () => this.loginOf(this.pick(['u2', 'u3']), name),
    ];
    for (let tried = 0; tried < steps.length; tried++) {
      const c = steps[this.planStep++ % steps.length]!();
      if (c !== undefined) return c;
    }
    return undefined;
  }

  private loginOf(user: string, name: string): AuthCase | undefined {
    const password = this.passwords.get(user);
    if (password === undefined || this.loggedIn.has(user) || (this.failures.get(user) ?? 0) >= USER_FAILURE_BUDGET) return undefined;
    return { name, path: '/v3/auth/authenticate', body: json({ name: user, password }), caller: { kind: 'anonymous' }, login: user };
  }

  private invalidate(user: string): void {
    if (this.loggedIn.delete(user)) this.stale.add(user);
  }

  /** Who sends a case: often a logged-in user (root most), else no one, or a token that is not one. */
  private caller(): Caller {
    const { pick, chance } = this;
    const users = [...this.loggedIn];
    if (users.length > 0 && chance(0.6)) {
      const user = users.includes('root') && chance(0.35) ? 'root' : pick(users);
      const header = chance(0.8) ? 'Authorization' : chance(0.8) ? 'Grpc-Metadata-Token' : 'Bearer';
      return { kind: 'user', user, header };
    }
    if (this.stale.size > 0 && chance(0.1)) return { kind: 'stale', user: pick([...this.stale]) };
    if (chance(0.12)) return { kind: 'bad', token: pick(['garbage', 'x.1', 'abcdefghijklmnop.2', 'a.b.3', 'x.-']) };
    return { kind: 'anonymous' };
  }

  private build(kind: string): AuthCase {
    const { pick, chance } = this;
    const name = `${kind} ${this.step}`;
    const anon: Caller = { kind: 'anonymous' };
    switch (kind) {
      case 'login':
        return this.loginCase(name);
      case 'user': {
        const user = pick(USERS);
        const op = pick(['add', 'add', 'delete', 'changepw', 'grant', 'grant', 'grant', 'revoke', 'get', 'list']);
        switch (op) {
          case 'add': {
            if (chance(0.15)) return { name, path: '/v3/auth/user/add', body: json({ name: user, options: { no_password: true } }), caller: anon, effect: { noPassword: user } };
            const password = pick(PASSWORDS);
            return { name, path: '/v3/auth/user/add', body: json({ name: chance(0.05) ? '' : user, password }), caller: anon, effect: { password: [user, password] } };
          }
          case 'delete': {
            const victim = user === 'root' && chance(0.7) ? pick(['u1', 'u2', 'u3']) : user;
            return { name, path: '/v3/auth/user/delete', body: json({ name: victim }), caller: anon, effect: { deleted: victim } };
          }
          case 'changepw': {
            const password = pick(PASSWORDS);
            return { name, path: '/v3/auth/user/changepw', body: json({ name: user, password }), caller: anon, effect: { passwordChanged: [user, password] } };
          }
          case 'grant':
            return { name, path: '/v3/auth/user/grant', body: json({ user, role: pick(ROLES) }), caller: anon };
          case 'revoke':
            return { name, path: '/v3/auth/user/revoke', body: json({ name: user, role: pick(ROLES) }), caller: anon };
          case 'get':
            return { name, path: '/v3/auth/user/get', body: json({ name: user }), caller: anon };
          default:
            return { name, path: '/v3/auth/user/list', body: '{}', caller: anon };
        }
      }
      case 'role': {
        const role = pick(ROLES);
        const op = pick(['add', 'delete', 'grant', 'grant', 'grant', 'grant', 'revoke', 'get', 'list']);
        switch (op) {
          case 'add':
            return { name, path: '/v3/auth/role/add', body: json({ name: chance(0.05) ? '' : role }), caller: anon };
          case 'delete':
            return { name, path: '/v3/auth/role/delete', body: json({ role }), caller: anon };
          case 'grant': {
            const perm: Record<string, string> = { key: b64(pick(KEYS)) };
            const type = pick(PERM_TYPES);
            if (type !== 'READ') perm.permType = type;
            const end = pick(RANGE_ENDS);
            if (end !== '') perm.range_end = b64(end);
            return { name, path: '/v3/auth/role/grant', body: json({ name: role, perm }), caller: anon };
          }
          case 'revoke': {
            const end = pick(RANGE_ENDS);
            return { name, path: '/v3/auth/role/revoke', body: json({ role, key: b64(pick(KEYS)), ...(end === '' ? {} : { range_end: b64(end) }) }), caller: anon };
          }
          case 'get':
            return { name, path: '/v3/auth/role/get', body: json({ role }), caller: anon };
          default:
            return { name, path: '/v3/auth/role/list', body: '{}', caller: anon };
        }
      }
      case 'switch':
        return chance(0.6)
          ? { name, path: '/v3/auth/enable', body: '{}', caller: anon, effect: { enabled: true } }
          : { name, path: '/v3/auth/disable', body: '{}', caller: anon, effect: { enabled: false } };
      case 'kv':
        return this.kvCase(name);
      case 'lease': {
        const id = pick(LEASES);
        return pick<AuthCase>([
          { name, path: '/v3/lease/grant', body: json({ TTL: '600', ID: id }), caller: anon },
          { name, path: '/v3/lease/revoke', body: json({ ID: id }), caller: anon },
          { name, path: '/v3/lease/timetolive', body: json({ ID: id, keys: true }), caller: anon },
          { name, path: '/v3/lease/leases', body: '{}', caller: anon },
          { name, path: '/v3/lease/keepalive', body: json({ ID: id }), caller: anon, stream: 400 },
          { name, path: '/v3/kv/put', body: json({ key: b64(pick(KEYS)), value: b64('l'), lease: id }), caller: anon },
        ]);
      }
      case 'watch': {
        const key = pick(KEYS);
        const fromKey = chance(0.25);
        const end = fromKey ? '\u0000' : pick(['', '', 'a0', 'z0']);
        const create = { key: b64(key), ...(end === '' ? {} : { range_end: b64(end) }), start_revision: '1' };
        return { name, path: '/v3/watch', body: json({ create_request: create }), caller: anon, stream: 500, ...(fromKey ? { hardening: 'from-key-watch' as const } : {}) };
      }
      case 'cluster':
        return pick<AuthCase>([
          { name, path: '/v3/cluster/member/list', body: '{}', caller: anon },
          { name, path: '/v3/cluster/member/add', body: json({ peerURLs: ['not a url'] }), caller: anon },
          { name, path: '/v3/cluster/member/remove', body: json({ ID: '1' }), caller: anon },
          { name, path: '/v3/cluster/member/update', body: json({ ID: '1', peerURLs: ['http://127.0.0.1:9'] }), caller: anon },
          { name, path: '/v3/maintenance/status', body: '{}', caller: anon },
          { name, path: '/v3/maintenance/defragment', body: '{}', caller: anon },
          { name, path: '/v3/maintenance/alarm', body: json({ action: 'GET' }), caller: anon },
          { name, path: '/v3/kv/compaction', body: json({ revision: '1' }), caller: anon },
        ]);
      case 'lock':
        return pick<AuthCase>([
          // Always the same session's lease: a lock held by another would wait (on both sides).
          { name, path: '/v3/lock/lock', body: json({ name: b64(pick(['a/lk', 'k', 'z/lk'])), lease: LEASES[0] }), caller: anon },
          { name, path: '/v3/election/leader', body: json({ name: b64(pick(['a/el', 'el'])) }), caller: anon },
        ]);
      default:
        return pick<AuthCase>([
          { name, path: '/v3/auth/user/add', body: '{"name":1}', caller: anon },
          { name, path: '/v3/auth/role/grant', body: json({ name: 'nobody-has-it', perm: { key: b64('a') } }), caller: anon },
          { name, path: '/v3/auth/authenticate', body: '{', caller: anon },
          { name, path: '/v3/auth/user/get', body: json({ name: '' }), caller: anon },
          { name, path: '/v3/auth/role/revoke', body: json({ role: 'r1' }), caller: anon },
          { name, path: '/v3/auth/user/grant', body: json({ user: '', role: 'r1' }), caller: anon },
        ]);
    }
  }

  private loginCase(name: string): AuthCase {
    const { pick, chance } = this;
    const known = [...this.passwords].filter(([user, password]) => password !== undefined && (this.failures.get(user) ?? 0) < USER_FAILURE_BUDGET) as [string, string][];
    const right = (): AuthCase | undefined => {
      if (known.length === 0) return undefined;
      const [user, password] = pick(known);
      return { name, path: '/v3/auth/authenticate', body: json({ name: user, password }), caller: { kind: 'anonymous' }, login: user };
    };
    // A login that may fail only within the throttle's budget (for the user and the client).
    const user = pick([...USERS, 'nobody']);
    const mayFail = this.totalFailures < CLIENT_FAILURE_BUDGET && (this.failures.get(user) ?? 0) < USER_FAILURE_BUDGET;
    if (!mayFail || chance(0.7)) return right() ?? { name, path: '/v3/auth/user/list', body: '{}', caller: { kind: 'anonymous' } };
    if (this.passwords.has(user) && this.passwords.get(user) === undefined) {
      return { name, path: '/v3/auth/authenticate', body: json({ name: user, password: pick(['', 'x']) }), caller: { kind: 'anonymous' }, failedLogin: user };
    }
    const password = this.passwords.get(user);
    if (password !== undefined && chance(0.3)) return { name, path: '/v3/auth/authenticate', body: json({ name: user, password }), caller: { kind: 'anonymous' }, login: user };
    return { name, path: '/v3/auth/authenticate', body: json({ name: user, password: pick(['wrong', 'pw1', '']) }), caller: { kind: 'anonymous' }, failedLogin: user };
  }

  private kvCase(name: string): AuthCase {
    const { pick, chance } = this;
    const anon: Caller = { kind: 'anonymous' };
    const key = (): string => b64(pick(KEYS));
    const range = (): Record<string, unknown> => {
      const end = pick(RANGE_ENDS);
      return { key: key(), ...(end === '' ? {} : { range_end: b64(end) }), ...(chance(0.2) ? { serializable: true } : {}), ...(chance(0.2) ? { count_only: true } : {}) };
    };
    const put = (): Record<string, unknown> => ({ key: key(), value: b64(pick(['v', 'w', ''])), ...(chance(0.2) ? { prev_kv: true } : {}) });
    const del = (): Record<string, unknown> => {
      const end = pick(RANGE_ENDS);
      return { key: key(), ...(end === '' ? {} : { range_end: b64(end) }), ...(chance(0.3) ? { prev_kv: true } : {}) };
    };
    switch (pick(['range', 'range', 'range', 'put', 'put', 'delete', 'txn', 'txn'])) {
      case 'range':
        return { name, path: '/v3/kv/range', body: json(range()), caller: anon };
      case 'put':
        return { name, path: '/v3/kv/put', body: json(put()), caller: anon };
      case 'delete':
        return { name, path: '/v3/kv/deleterange', body: json(del()), caller: anon };
      default: {
        const op = (): Record<string, unknown> => pick([{ request_range: range() }, { request_put: put() }, { request_delete_range: del() }]);
        const compare = chance(0.7) ? [{ key: key(), ...(chance(0.3) ? { range_end: b64(pick(['a0', '\u0000'])) } : {}), target: 'VERSION', result: pick(['EQUAL', 'GREATER']), version: '0' }] : [];
        if (chance(0.12)) {
          // A nested txn, read-only: etcd 3.4 does not check it (see above).
          const inner = { compare: chance(0.5) ? [{ key: key(), target: 'VERSION', version: '0' }] : [], success: [{ request_range: range() }] };
          return { name, path: '/v3/kv/txn', body: json({ compare, success: [{ request_txn: inner }] }), caller: anon, hardening: 'nested-txn' };
        }
        return { name, path: '/v3/kv/txn', body: json({ compare, success: [op()], failure: chance(0.5) ? [op()] : [] }), caller: anon };
      }
    }
  }
}
