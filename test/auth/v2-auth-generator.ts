import { seededChoices, type Pick } from '../helpers/random-requests.ts';

/**
 * Seeded requests for the v2 auth differential fuzz: users, roles, grants, revokes, the switch,
 * and every guarded route, with and without credentials, right and wrong passwords, awkward
 * bodies. A model learns from the oracle's answers (which user has which password, whether auth
 * is on) so credentials can be right on purpose, and so failed logins stay within a budget that
 * never trips edgecd's throttle (a deliberate hardening, tested on its own).
 */

export interface AuthCase {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** What the case changes if the oracle accepts it (2xx). */
  effect?: { password: [user: string, password: string] } | { deleted: string } | { enabled: boolean };
  /** Whether the case may count as a failed login (wrong password or unknown user, auth on). */
  failedLogin?: string;
}

const USERS = ['root', 'alice', 'bob', '_hidden', 'u%s'];
const ROLES = ['root', 'guest', 'r1', 'r2', 'r%d', 'r<&>', '_hr', 'ghost'];
const PATTERNS = ['/a*', '/a', '/a/b*', '/*', '/d', '/q*', '/a/*', '/x%', '/<&>', '/', '/a/b/c'];
const KEYS = ['/a', '/a/b', '/a/b/c', '/d', '/q', '/x%25', '/', '', '/a/', '/%3C%26%3E'];
const PASSWORDS = ['pw', 'pw2', 'p:w', 'ü€', 'a b'];
/** Per user and in all: below the throttle's 10 and 30 (login-throttle.ts) in any 5 minutes. */
const USER_FAILURE_BUDGET = 8;
const CLIENT_FAILURE_BUDGET = 25;

export class AuthCaseGenerator {
  private readonly pick: Pick;
  private readonly chance: (p: number) => boolean;
  /** The oracle's users whose password the model knows. */
  private readonly passwords = new Map<string, string>();
  private enabled = false;
  private readonly failures = new Map<string, number>();
  private totalFailures = 0;

  constructor(seed: number) {
    ({ pick: this.pick, chance: this.chance } = seededChoices(seed));
  }

  /** What the oracle answered to `c`: the model follows it. */
  learn(c: AuthCase, status: number): void {
    if (c.failedLogin !== undefined) {
      this.failures.set(c.failedLogin, (this.failures.get(c.failedLogin) ?? 0) + 1);
      this.totalFailures++;
    }
    if (status < 200 || status >= 300 || c.effect === undefined) return;
    if ('password' in c.effect) this.passwords.set(c.effect.password[0], c.effect.password[1]);
    else if ('deleted' in c.effect) this.passwords.delete(c.effect.deleted);
    else this.enabled = c.effect.enabled;
  }

  /** Headers with root's credentials, if the model knows them. */
  get rootCredentials(): Record<string, string> {
    const password = this.passwords.get('root');
    if (password === undefined) return {};
    const c: AuthCase = { method: 'GET', path: '', headers: {} };
    basic(c, 'root', password);
    return c.headers;
  }

  /** Whether the oracle has auth on, as far as the model knows. */
  get authEnabled(): boolean {
    return this.enabled;
  }

  get failedLogins(): number {
    return this.totalFailures;
  }

  next(): AuthCase {
    const kind = this.pick(['keys', 'keys', 'keys', 'keys', 'user', 'user', 'user', 'users', 'role', 'role', 'role', 'roles', 'enable', 'enable', 'members', 'odd']);
    const c = this.build(kind);
    this.credentials(c);
    return c;
  }

  private build(kind: string): AuthCase {
    const { pick, chance } = this;
    switch (kind) {
      case 'keys': {
        const method = pick(['GET', 'GET', 'PUT', 'PUT', 'DELETE', 'HEAD', 'POST']);
        const query = [chance(0.3) ? 'recursive=true' : '', method === 'DELETE' && chance(0.5) ? 'dir=true' : '', chance(0.2) ? 'sorted=true' : ''].filter((q) => q !== '');
        const c: AuthCase = { method, path: `/v2/keys${pick(KEYS)}${query.length === 0 ? '' : `?${query.join('&')}`}`, headers: {} };
        if (method === 'PUT' || method === 'POST') {
          c.headers['Content-Type'] = 'application/x-www-form-urlencoded';
          c.body = chance(0.1) ? 'dir=true' : `value=${pick(['v', '%3C%26%3E', 'x'])}`;
        }
        return c;
      }
      case 'user': {
        if (chance(0.75)) return this.putUser();
        const user = pick(USERS);
        const method = pick(['GET', 'GET', 'DELETE', 'POST', 'HEAD']);
        return { method, path: `/v2/auth/users/${enc(user)}`, headers: {}, ...(method === 'DELETE' ? { effect: { deleted: user } } : {}) };
      }
      case 'users':
        return { method: pick(['GET', 'GET', 'GET', 'PUT']), path: pick(['/v2/auth/users', '/v2/auth/users/', '/v2/auth/users?x=%zz', '/v2/auth/users?a;b']), headers: {} };
      case 'role':
        return chance(0.75) ? this.putRole() : { method: pick(['GET', 'GET', 'DELETE', 'POST']), path: `/v2/auth/roles/${enc(pick(ROLES))}`, headers: {} };
      case 'roles':
        return { method: pick(['GET', 'GET', 'DELETE']), path: pick(['/v2/auth/roles', '/v2/auth/roles/', '/v2/auth/roles?x=1']), headers: {} };
      case 'enable': {
        const method = pick(['GET', 'PUT', 'PUT', 'DELETE', 'POST']);
        const c: AuthCase = { method, path: '/v2/auth/enable', headers: {} };
        if (method === 'PUT' || method === 'DELETE') c.effect = { enabled: method === 'PUT' };
        return c;
      }
      case 'members': {
        const method = pick(['GET', 'POST', 'DELETE', 'PUT', 'HEAD']);
        const json = { 'Content-Type': 'application/json' };
        if (method === 'POST') return { method, path: '/v2/members', headers: json, body: pick(['{"peerURLs":["nope"]}', '{', '{"peerURLs":[]}']) };
        if (method === 'PUT') return { method, path: '/v2/members/abc', headers: json, body: '{"peerURLs":["http://10.0.0.9:2380"]}' };
        if (method === 'DELETE') return { method, path: pick(['/v2/members/abc', '/v2/members/zz', '/v2/members']), headers: {} };
        return { method, path: '/v2/members', headers: {} };
      }
      default: {
        const method = pick(['GET', 'PUT', 'DELETE']);
        const path = pick(['/v2/auth', '/v2/auth/', '/v2/auth/enable/', '/v2/auth/users/a/b', '/v2/auth/roles/a/b/c', '/v2/auth/nope', '/v2/auth/users/alice/']);
        // `/v2/auth/users/alice/` is alice (etcd cleans the path): a DELETE there removes her.
        return { method, path, headers: {}, ...(method === 'DELETE' && path === '/v2/auth/users/alice/' ? { effect: { deleted: 'alice' } } : {}) };
      }
    }
  }

  /** A PUT of a user: create, change password, grant, revoke, and bodies etcd refuses. */
  private putUser(): AuthCase {
    const { pick, chance } = this;
    const user = pick(USERS);
    const password = pick(PASSWORDS);
    const roles = (): string[] => Array.from({ length: pick([1, 1, 2, 3]) }, () => pick(ROLES));
    const path = `/v2/auth/users/${enc(user)}`;
    const c = (body: string, setsPassword = false): AuthCase => ({ method: 'PUT', path, headers: {}, body, ...(setsPassword ? { effect: { password: [user, password] as [string, string] } } : {}) });
    switch (pick(['create', 'create', 'create', 'roles', 'grant', 'grant', 'revoke', 'both', 'password-grant', 'roles-grant', 'empty', 'mismatch', 'raw'])) {
      case 'create':
        return c(JSON.stringify({ user, password }), true);
      case 'roles':
        return c(JSON.stringify({ user, password, roles: roles() }), true);
      case 'grant':
        return c(JSON.stringify({ user, grant: roles() }));
      case 'revoke':
        return c(JSON.stringify({ user, revoke: roles() }));
      case 'both':
        return c(JSON.stringify({ user, grant: roles(), revoke: roles() }));
      case 'password-grant':
        return c(JSON.stringify({ user, password, grant: roles() }), true);
      case 'roles-grant':
        return c(JSON.stringify({ user, roles: roles(), grant: roles() }));
      case 'empty':
        return c(JSON.stringify(chance(0.5) ? { user } : { user, roles: [] }));
      case 'mismatch':
        return c(JSON.stringify({ user: `${user}x`, password }));
      default:
        return pick([
          c(`{"USER":${JSON.stringify(user)},"PassWord":${JSON.stringify(password)}}`, true),
          c(`{"user":${JSON.stringify(user)},"password":${JSON.stringify(password)}} trailing`, true),
          c(`{"user":${JSON.stringify(user)},"password":null,"password":${JSON.stringify(password)}}`, true),
          c(`{"user":${JSON.stringify(user)},"grant":["r1"],"grant":null}`),
          c('null'),
          c(''),
          c('{'),
          c('[]'),
          c(`{"user":${JSON.stringify(user)},"password":1}`),
          c(`{"user":${JSON.stringify(user)},"roles":[null]}`),
        ]);
    }
  }

  /** A PUT of a role: create with permissions, grant, revoke, and bodies etcd refuses. */
  private putRole(): AuthCase {
    const { pick, chance } = this;
    const role = pick(ROLES);
    const patterns = (): string[] => Array.from({ length: pick([0, 1, 1, 2]) }, () => pick(PATTERNS));
    const kv = (): Record<string, string[]> => {
      const out: Record<string, string[]> = {};
      if (chance(0.8)) out['read'] = patterns();
      if (chance(0.6)) out['write'] = patterns();
      return out;
    };
    const c = (body: string): AuthCase => ({ method: 'PUT', path: `/v2/auth/roles/${enc(role)}`, headers: {}, body });
    switch (pick(['create', 'create', 'bare', 'grant', 'grant', 'revoke', 'revoke', 'both', 'perms-grant', 'empty-grant', 'mismatch', 'raw'])) {
      case 'create':
        return c(JSON.stringify({ role, permissions: { kv: kv() } }));
      case 'bare':
        return c(JSON.stringify({ role }));
      case 'grant':
        return c(JSON.stringify({ role, grant: { kv: kv() } }));
      case 'revoke':
        return c(JSON.stringify({ role, revoke: { kv: kv() } }));
      case 'both':
        return c(JSON.stringify({ role, grant: { kv: kv() }, revoke: { kv: kv() } }));
      case 'perms-grant':
        return c(JSON.stringify({ role, permissions: { kv: kv() }, grant: { kv: kv() } }));
      case 'empty-grant':
        return c(JSON.stringify({ role, grant: { kv: { read: [] } } }));
      case 'mismatch':
        return c(JSON.stringify({ role: `${role}x` }));
      default:
        return pick([
          c(`{"ROLE":${JSON.stringify(role)},"Permissions":{"KV":{"Read":["/a*"]}}}`),
          c(`{"role":${JSON.stringify(role)},"grant":{"kv":{"read":["/a*"]}},"grant":{"kv":{"write":["/w"]}}}`),
          c(`{"role":${JSON.stringify(role)},"permissions":[]}`),
          c(`{"role":${JSON.stringify(role)},"revoke":{"kv":{"read":"x"}}}`),
          c('nul'),
          c(`{"role":${JSON.stringify(role)}}{`),
        ]);
    }
  }

  /** No credentials, the right ones, a malformed header, or (within the budget) wrong ones. */
  private credentials(c: AuthCase): void {
    const { pick, chance } = this;
    const known = [...this.passwords.keys()];
    const roll = this.pick(['none', 'none', 'none', 'root', 'root', 'root', 'user', 'user', 'malformed', 'wrong']);
    if (roll === 'root' && this.passwords.has('root')) return basic(c, 'root', this.passwords.get('root')!);
    if (roll === 'user' && known.length > 0) {
      const user = pick(known);
      return basic(c, user, this.passwords.get(user)!);
    }
    if (roll === 'malformed') {
      c.headers['Authorization'] = pick(['Bearer abc', 'Basic !!!', `Basic ${btoa('no-colon')}`, `Basic ${btoa('root:pw').replace(/=+$/, '')}`, 'Basic']);
      return;
    }
    if (roll === 'wrong') {
      const user = chance(0.7) ? pick(['root', ...known]) : 'nobody';
      const allowed = !this.enabled || ((this.failures.get(user) ?? 0) < USER_FAILURE_BUDGET && this.totalFailures < CLIENT_FAILURE_BUDGET);
      if (!allowed) return;
      const wrong = `${this.passwords.get(user) ?? 'pw'}-wrong`;
      if (this.enabled) c.failedLogin = user;
      return basic(c, user, wrong);
    }
  }
}

function basic(c: AuthCase, user: string, password: string): void {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  c.headers['Authorization'] = `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

function enc(name: string): string {
  return encodeURIComponent(name);
}
