import { describe, expect, it } from 'vitest';
import { requestCredentials } from '../../src/http/v2/basic-auth.ts';
import { PBKDF2_ITERATIONS, WebCryptoPasswordHasher } from '../../src/member/password-hash.ts';

describe("the member's PBKDF2 hasher", () => {
  const hasher = new WebCryptoPasswordHasher(1_000);

  it('stores PBKDF2-SHA256 with a fresh salt each time, and checks the password against it', async () => {
    const a = await hasher.hash('secret');
    const b = await hasher.hash('secret');
    expect(a).toMatch(/^\$pbkdf2-sha256\$1000\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(await hasher.verify('secret', a)).toBe(true);
    expect(await hasher.verify('secret', b)).toBe(true);
    expect(await hasher.verify('Secret', a)).toBe(false);
    // Every byte counts (bcrypt, etcd's KDF, reads only the first 72).
    const long = 'x'.repeat(72);
    expect(await hasher.verify(`${long}b`, await hasher.hash(`${long}a`))).toBe(false);
  });

  it('defaults to 100 000 iterations, the most workerd accepts, and refuses more', () => {
    expect(PBKDF2_ITERATIONS).toBe(100_000);
    expect(() => new WebCryptoPasswordHasher(100_001)).toThrow(RangeError);
  });

  it('refuses (throws on) a stored value it did not make, rather than answering false', async () => {
    const good = await hasher.hash('pw');
    const [, scheme, , salt, key] = good.split('$');
    for (const stored of ['', 'pw', '$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy', `$${scheme}$1000000$${salt}$${key}`, `$${scheme}$10$${salt}$${key}`, `$${scheme}$1000$${salt}$${key!.slice(1)}`, `$${scheme}$1000$!!$${key}`]) {
      await expect(hasher.verify('pw', stored), stored).rejects.toThrow();
    }
  });

  it('digests with a key of its own: stable within a member, different across members', async () => {
    const other = new WebCryptoPasswordHasher(1_000);
    expect(await hasher.digest('x')).toBe(await hasher.digest('x'));
    expect(await hasher.digest('x')).not.toBe(await other.digest('x'));
    expect(await hasher.digest('x')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("Go's Request.BasicAuth", () => {
  const parse = (authorization?: string) => requestCredentials(new Request('http://x/', authorization === undefined ? {} : { headers: { Authorization: authorization } }));

  it('reads user and password, cut at the first colon, from standard base64 with padding', () => {
    expect(parse(`Basic ${btoa('u:p:w')}`)).toEqual({ kind: 'basic', username: 'u', password: 'p:w' });
    expect(parse(`bAsIc ${btoa('u:')}`)).toEqual({ kind: 'basic', username: 'u', password: '' });
    expect(parse(`Basic ${btoa(String.fromCharCode(...new TextEncoder().encode('ü:€')))}`)).toEqual({ kind: 'basic', username: 'ü', password: '€' });
  });

  it('tells no header (or an empty one) from one it cannot read', () => {
    expect(parse()).toEqual({ kind: 'none' });
    expect(parse('')).toEqual({ kind: 'none' });
    for (const bad of ['Bearer x', 'Basic', `Basic  ${btoa('u:p')}`, `Basic ${btoa('u:p1').replace(/=+$/, '')}`, `Basic ${btoa('nocolon')}`, 'Basic !!!!']) {
      expect(parse(bad), bad).toEqual({ kind: 'malformed' });
    }
  });
});
