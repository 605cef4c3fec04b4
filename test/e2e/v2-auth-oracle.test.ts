import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';
import { observe } from '../helpers/oracle.ts';

/**
 * v2 auth, scripted, against real etcd 3.4: the walk a user takes (root, enable, roles, grants,
 * the guest role, revokes, disable) and the corners of etcd's answers (Go's JSON decoding and
 * escaping, `%` in names, the dead "doesn't exist" branch, hidden names, basic-auth parsing), each
 * step sent to both and compared: status, the headers a client acts on (no WWW-Authenticate: etcd
 * sends none), the body byte for byte (keys answers with indexes relative to each side's base).
 *
 * Then edgecd's deliberate hardenings, each asserted as a difference from etcd.
 */

interface Step {
  name: string;
  method?: string;
  path: string;
  body?: string;
  user?: string;
  headers?: Record<string, string>;
}

const VALUE_HEADERS = ['content-type', 'allow', 'x-content-type-options', 'www-authenticate', 'retry-after', 'content-length'];

const put = (name: string, path: string, body: unknown, user?: string): Step => ({
  name,
  method: 'PUT',
  path,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  ...(user === undefined ? {} : { user }),
});
const form = { 'Content-Type': 'application/x-www-form-urlencoded' };

const SCRIPT: Step[] = [
  { name: 'auth is off', path: '/v2/auth/enable' },
  { name: 'no users yet', path: '/v2/auth/users' },
  { name: 'only root among roles', path: '/v2/auth/roles' },
  { name: 'the root role', path: '/v2/auth/roles/root' },
  { name: 'enable without a root user', method: 'PUT', path: '/v2/auth/enable' },
  { name: 'disable while off', method: 'DELETE', path: '/v2/auth/enable' },
  put('a user without a password', '/v2/auth/users/alice', { user: 'alice' }),
  put('root without roles: created, with the root role', '/v2/auth/users/root', { user: 'root', password: 'rootpw' }),
  put('root again: an update (a new hash)', '/v2/auth/users/root', { user: 'root', password: 'rootpw' }),
  put('root with roles: a create that exists', '/v2/auth/users/root', { user: 'root', password: 'x', roles: ['a'] }),
  put('a user with roles: 200, not 201, duplicates kept', '/v2/auth/users/alice', { user: 'alice', password: 'alicepw', roles: ['reader', 'reader'] }),
  put('a user with nil roles', '/v2/auth/users/bob', { user: 'bob', password: 'bobpw' }),
  put('no change to a user with nil roles: an update (nil became empty)', '/v2/auth/users/bob', { user: 'bob' }),
  put('no change again: now refused', '/v2/auth/users/bob', { user: 'bob' }),
  { name: 'a user whose role does not exist', path: '/v2/auth/users/alice' },
  { name: 'the list skips roles it cannot read', path: '/v2/auth/users' },
  put('case-folded keys, ſ for s', '/v2/auth/users/carol', '{"USER":"carol","paſſword":"carolpw","ROLES":null}'),
  put('a repeated key: the last wins', '/v2/auth/users/dave', '{"user":"x","user":"dave","password":"d"} trailing'),
  put('a hidden user', '/v2/auth/users/_hidden', { user: '_hidden', password: 'h' }),
  { name: 'a hidden user is not listed', path: '/v2/auth/users' },
  { name: 'but can be read', path: '/v2/auth/users/_hidden' },
  put('name mismatch', '/v2/auth/users/erin', { user: 'erinx', password: 'e' }),
  put('not JSON', '/v2/auth/users/erin', '{"user":'),
  put('JSON null', '/v2/auth/users/erin', 'null'),
  put('a wrong type', '/v2/auth/users/erin', '{"user":"erin","password":7}'),
  put('roles and grants together', '/v2/auth/users/alice', { user: 'alice', roles: ['a'], grant: ['b'] }),
  put('grant to a missing user: the "does not exist." message', '/v2/auth/users/nobody', { user: 'nobody', grant: ['reader'] }),
  put('grant a role a user holds: the message is formatted twice', '/v2/auth/users/alice', { user: 'alice', grant: ['reader'] }),
  put('grant a role named with a %', '/v2/auth/users/bob', { user: 'bob', grant: ['r%d'] }),
  put('grant it again: %d becomes %!d(MISSING)', '/v2/auth/users/bob', { user: 'bob', grant: ['r%d'] }),
  put('revoke an ungranted role', '/v2/auth/users/bob', { user: 'bob', revoke: ['nope'] }),
  put('revoke and grant at once', '/v2/auth/users/bob', { user: 'bob', revoke: ['r%d'], grant: ['writer'] }),

  put('create a role', '/v2/auth/roles/reader', { role: 'reader', permissions: { kv: { read: ['/app*', '/b'] } } }),
  put('create it again', '/v2/auth/roles/reader', { role: 'reader' }),
  put('create root', '/v2/auth/roles/root', { role: 'root' }),
  put('create a role with an empty grant: echoed', '/v2/auth/roles/writer', { role: 'writer', grant: { kv: { read: [] } } }),
  { name: 'the stored role keeps its grant', path: '/v2/auth/roles/writer' },
  put('grant to a role', '/v2/auth/roles/writer', { role: 'writer', grant: { kv: { write: ['/app/*', '/<&>'] } } }),
  put('grant a duplicate', '/v2/auth/roles/writer', { role: 'writer', grant: { kv: { write: ['/<&>'] } } }),
  put('revoke what was never granted: a no-op, refused as no change', '/v2/auth/roles/reader', { role: 'reader', revoke: { kv: { write: ['/x'] } } }),
  put('permissions and a grant', '/v2/auth/roles/reader', { role: 'reader', permissions: { kv: { read: ['/a'] } }, grant: { kv: { read: ['/c'] } } }),
  put('grant to a missing role', '/v2/auth/roles/ghost', { role: 'ghost', grant: { kv: { read: ['/a'] } } }),
  put('update root', '/v2/auth/roles/root', { role: 'root', grant: { kv: { read: ['/a'] } } }),
  put('a role named with HTML characters', '/v2/auth/roles/r%3C%26%3E', { role: 'r<&>' }),
  put('and again: Go escapes the message', '/v2/auth/roles/r%3C%26%3E', { role: 'r<&>' }),
  put('a role name mismatch', '/v2/auth/roles/reader', { role: 'Reader' }),
  { name: 'all roles', path: '/v2/auth/roles' },
  { name: 'a missing role', path: '/v2/auth/roles/ghost' },
  { name: 'delete a missing role', method: 'DELETE', path: '/v2/auth/roles/ghost' },
  { name: 'delete root role', method: 'DELETE', path: '/v2/auth/roles/root' },
  { name: 'delete a missing user', method: 'DELETE', path: '/v2/auth/users/ghost' },
  { name: 'a bad query on the list', path: '/v2/auth/users?x=%zz' },
  { name: 'a nested path', path: '/v2/auth/users/a/b' },
  { name: 'POST a user', method: 'POST', path: '/v2/auth/users/bob' },
  { name: 'PUT the list', method: 'PUT', path: '/v2/auth/roles' },
  { name: 'HEAD the switch', method: 'HEAD', path: '/v2/auth/enable' },
  { name: 'the auth prefix itself', path: '/v2/auth' },
  { name: 'the switch with a slash', path: '/v2/auth/enable/' },

  { name: 'seed a key', method: 'PUT', path: '/v2/keys/app/x', body: 'value=1', headers: form },
  { name: 'enable', method: 'PUT', path: '/v2/auth/enable' },
  { name: 'enable again, as root', method: 'PUT', path: '/v2/auth/enable', user: 'root:rootpw' },
  { name: 'the guest role enable made', path: '/v2/auth/roles/guest', user: 'root:rootpw' },
  { name: 'the switch is anyone\'s to read', path: '/v2/auth/enable' },
  { name: 'the guest reads a key', path: '/v2/keys/app/x' },
  { name: 'the guest cannot read "" (/v2/keys)', path: '/v2/keys' },
  { name: 'a HEAD refused', method: 'HEAD', path: '/v2/keys' },
  { name: 'the auth API without credentials', path: '/v2/auth/users' },
  { name: 'a wrong password', path: '/v2/auth/users', user: 'root:nope' },
  { name: 'an unknown user', path: '/v2/keys/app/x', user: 'ghost:x' },
  { name: 'a non-root user on the auth API', path: '/v2/auth/users', user: 'bob:bobpw' },
  { name: 'basic, lower case', path: '/v2/auth/users', headers: { Authorization: `basic ${btoa('root:rootpw')}` } },
  { name: 'base64 without its padding', path: '/v2/keys/app/x', headers: { Authorization: `Basic ${btoa('root:rootpw').replace(/=+$/, '')}` } },
  { name: 'not basic', path: '/v2/keys/app/x', headers: { Authorization: 'Bearer t' } },
  { name: 'no colon', path: '/v2/keys/app/x', headers: { Authorization: `Basic ${btoa('rootrootpw')}` } },
  put('a password with a colon', '/v2/auth/users/frank', { user: 'frank', password: 'a:b', roles: ['reader'] }, 'root:rootpw'),
  { name: 'logs in', path: '/v2/keys/app/x', user: 'frank:a:b' },
  { name: 'a user named by a path into the store', path: '/v2/auth/users', user: '../users/root:rootpw' },
  { name: 'members are anyone\'s to list', path: '/v2/members' },
  { name: 'a member change needs root', method: 'DELETE', path: '/v2/members/abc' },
  { name: 'as root it is judged', method: 'DELETE', path: '/v2/members/abc', user: 'root:rootpw' },
  { name: 'stats are not guarded', path: '/v2/stats/store' },
  { name: 'a role holder reads under its prefix', path: '/v2/keys/app/x', user: 'frank:a:b' },
  { name: 'not outside it', path: '/v2/keys/b/x', user: 'frank:a:b' },
  { name: 'not recursively without a prefix pattern', path: '/v2/keys/b?recursive=true', user: 'frank:a:b' },
  { name: 'recursively under a prefix pattern', path: '/v2/keys/app?recursive=true', user: 'frank:a:b' },
  { name: 'no write with a read pattern', method: 'PUT', path: '/v2/keys/app/y', body: 'value=2', headers: form, user: 'frank:a:b' },
  { name: 'the guest writes (its /* pattern)', method: 'PUT', path: '/v2/keys/app/z', body: 'value=3', headers: form },
  put('revoke the guest\'s reads', '/v2/auth/roles/guest', { role: 'guest', revoke: { kv: { read: ['/*'] } } }, 'root:rootpw'),
  { name: 'the guest may not read now', path: '/v2/keys/app/x' },
  { name: 'a parse error comes before the check', path: '/v2/keys/app/x?waitIndex=x' },
  { name: 'delete root while on', method: 'DELETE', path: '/v2/auth/users/root', user: 'root:rootpw' },
  { name: 'delete the guest role', method: 'DELETE', path: '/v2/auth/roles/guest', user: 'root:rootpw' },
  { name: 'without a guest role the guest has nothing', method: 'PUT', path: '/v2/keys/app/z', body: 'value=4', headers: form },
  put('change frank\'s password', '/v2/auth/users/frank', { user: 'frank', password: 'new' }, 'root:rootpw'),
  { name: 'the old password fails', path: '/v2/keys/app/x', user: 'frank:a:b' },
  { name: 'the new one works', path: '/v2/keys/app/x', user: 'frank:new' },
  { name: 'disable needs root', method: 'DELETE', path: '/v2/auth/enable' },
  { name: 'disable', method: 'DELETE', path: '/v2/auth/enable', user: 'root:rootpw' },
  { name: 'off again', path: '/v2/auth/enable' },
  { name: 'credentials are not checked when off', path: '/v2/auth/users', user: 'root:wrong' },
  { name: 'delete root while off', method: 'DELETE', path: '/v2/auth/users/root' },
  { name: 'root is gone', path: '/v2/auth/users/root' },
];

interface Seen {
  status: number | 'connection closed';
  headers: Record<string, string>;
  body: unknown;
}

async function see(url: string, step: Step, base: number): Promise<Seen> {
  const headers: Record<string, string> = { ...step.headers };
  if (step.user !== undefined) headers['Authorization'] = `Basic ${btoa(step.user)}`;
  const init: RequestInit = { method: step.method ?? 'GET', headers, redirect: 'manual' };
  if (step.body !== undefined) init.body = step.body;
  let response: Response;
  try {
    response = await fetch(`${url}${step.path}`, init);
  } catch {
    return { status: 'connection closed', headers: {}, body: '' };
  }
  const text = await response.text();
  const seen: Record<string, string> = {};
  for (const h of VALUE_HEADERS) {
    const v = response.headers.get(h);
    if (v !== null) seen[h] = v;
  }
  seen['x-etcd-cluster-id'] = response.headers.has('x-etcd-cluster-id') ? '<present>' : '<absent>';
  // A HEAD answer's length is the platform's (Go sends the GET's; workerd none): not auth's.
  if (step.method === 'HEAD') delete seen['content-length'];
  if (step.path.startsWith('/v2/keys')) {
    const o = await observe(response, base, text, true);
    delete seen['content-length'];
    return { status: o.status, headers: { ...seen, ...o.headers }, body: o.body };
  }
  if (step.path.startsWith('/v2/members') || step.path.startsWith('/v2/stats')) {
    if (response.status < 300) {
      delete seen['content-length'];
      return { status: response.status, headers: seen, body: '<document>' };
    }
  }
  return { status: response.status, headers: seen, body: text };
}

describe('v2 auth against real etcd 3.4, scripted', () => {
  let edgecd: LaunchedCluster;
  let etcd: RealEtcdCluster;

  beforeAll(async () => {
    [edgecd, etcd] = await Promise.all([launchCluster(), startRealEtcd({ members: 1 })]);
  });

  afterAll(async () => {
    await Promise.all([edgecd?.destroy(), etcd?.stop()]);
  });

  it(`answers the ${SCRIPT.length} steps of the script as etcd does`, async () => {
    const sides = [edgecd.url, etcd.clientURLs[0]!];
    const bases = await Promise.all(
      sides.map(async (url) => Number((await fetch(`${url}/v2/keys/base`, { method: 'PUT', body: new URLSearchParams({ value: 'x' }) })).headers.get('x-etcd-index'))),
    );
    const differences: string[] = [];
    for (const step of SCRIPT) {
      const [ours, theirs] = await Promise.all(sides.map((url, i) => see(url, step, bases[i]!)));
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
        differences.push(`${step.name}: ${step.method ?? 'GET'} ${step.path} ${step.body ?? ''}\n  edgecd ${JSON.stringify(ours)}\n  etcd   ${JSON.stringify(theirs)}`);
      }
    }
    expect(differences.join('\n')).toBe('');
  });

  describe("edgecd's hardenings, each a difference from etcd", () => {
    const both = async (step: Step): Promise<[Seen, Seen]> => {
      const [ours, theirs] = await Promise.all([see(edgecd.url, step, 0), see(etcd.clientURLs[0]!, step, 0)]);
      return [ours, theirs];
    };

    beforeAll(async () => {
      for (const url of [edgecd.url, etcd.clientURLs[0]!]) {
        const root = { Authorization: `Basic ${btoa('root:rootpw')}` };
        await fetch(`${url}/v2/auth/users/root`, { method: 'PUT', body: JSON.stringify({ user: 'root', password: 'rootpw' }) });
        await fetch(`${url}/v2/auth/users/long`, { method: 'PUT', body: JSON.stringify({ user: 'long', password: 'a'.repeat(80), roles: ['root'] }) });
        await fetch(`${url}/v2/auth/enable`, { method: 'PUT', headers: root });
      }
    });

    it('an empty permission pattern: etcd panics and drops the connection; edgecd matches no key with it', async () => {
      const grant = put('', '/v2/auth/roles/guest', { role: 'guest', grant: { kv: { read: [''] } } }, 'root:rootpw');
      const [grantedOurs, grantedTheirs] = await both(grant);
      expect(grantedOurs).toEqual(grantedTheirs);
      const [ours, theirs] = await both({ name: '', path: '/v2/keys/base' });
      expect(theirs.status).toBe('connection closed');
      expect(ours.status).toBe(200);
      await both(put('', '/v2/auth/roles/guest', { role: 'guest', revoke: { kv: { read: [''] } } }, 'root:rootpw'));
    });

    it('a user name naming a store directory ("", "."): etcd panics; edgecd answers 401', async () => {
      for (const user of [':x', '.:x']) {
        const [ours, theirs] = await both({ name: '', path: '/v2/keys/base', user });
        expect(theirs.status).toBe('connection closed');
        expect(ours.status).toBe(401);
      }
    });

    it("a password past 72 bytes: bcrypt reads only the first 72 (etcd); PBKDF2 reads it all", async () => {
      const [ours, theirs] = await both({ name: '', path: '/v2/auth/users', user: `long:${'a'.repeat(72)}b` });
      expect(theirs.status).toBe(200);
      expect(ours.status).toBe(401);
      const [right] = await both({ name: '', path: '/v2/auth/users', user: `long:${'a'.repeat(80)}` });
      expect(right.status).toBe(200);
    });

    it('failed logins: after 10 for a user, edgecd answers 429 with Retry-After; etcd keeps checking', async () => {
      await fetch(`${edgecd.url}/v2/auth/users/victim`, { method: 'PUT', headers: { Authorization: `Basic ${btoa('root:rootpw')}` }, body: JSON.stringify({ user: 'victim', password: 'v', roles: ['root'] }) });
      for (let i = 0; i < 10; i++) {
        const r = await fetch(`${edgecd.url}/v2/auth/users`, { headers: { Authorization: `Basic ${btoa(`victim:guess${i}`)}` } });
        expect(r.status).toBe(401);
      }
      const throttled = await fetch(`${edgecd.url}/v2/keys/base`, { headers: { Authorization: `Basic ${btoa('victim:v')}` } });
      expect(throttled.status).toBe(429);
      expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(200);
      expect(await throttled.json()).toMatchObject({ errorCode: 110, message: 'The request requires user authentication' });
      // Root, whose credential was verified before, is not held up.
      expect((await fetch(`${edgecd.url}/v2/auth/users`, { headers: { Authorization: `Basic ${btoa('root:rootpw')}` } })).status).toBe(200);
    });
  });
});
