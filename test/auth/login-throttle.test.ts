import { describe, expect, it } from 'vitest';
import { LoginThrottle, LoginThrottled, PasswordChecker, type PasswordHasher } from '../../src/auth/index.ts';
import { WebCryptoPasswordHasher } from '../../src/member/password-hash.ts';

describe('the failed-login throttle', () => {
  it('throttles a user after 10 failures in 5 minutes, until the oldest leaves the window', () => {
    const throttle = new LoginThrottle();
    const t0 = 1_000_000;
    for (let i = 0; i < 10; i++) {
      expect(throttle.retryAfter('root', `client${i}`, t0 + i)).toBe(0);
      throttle.recordFailure('root', `client${i}`, t0 + i);
    }
    expect(throttle.retryAfter('root', 'another', t0 + 10)).toBe(5 * 60_000 - 10);
    expect(throttle.retryAfter('alice', 'another', t0 + 10)).toBe(0);
    expect(throttle.retryAfter('root', 'another', t0 + 5 * 60_000)).toBe(0);
  });

  it('throttles a client after 30 failures across users, and counts unknown users', () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 30; i++) throttle.recordFailure(i % 2 === 0 ? `u${i}` : undefined, 'c', i);
    expect(throttle.retryAfter('fresh-user', 'c', 30)).toBeGreaterThan(0);
    expect(throttle.retryAfter('fresh-user', 'other-client', 30)).toBe(0);
  });
});

/** A real PBKDF2 hasher that counts its KDF runs. */
function countingHasher(): PasswordHasher & { verifies: number } {
  const real = new WebCryptoPasswordHasher(1_000);
  const counting = {
    verifies: 0,
    hash: (p: string) => real.hash(p),
    digest: (t: string) => real.digest(t),
    verify: (p: string, s: string) => {
      counting.verifies++;
      return real.verify(p, s);
    },
  };
  return counting;
}

describe('password checks', () => {
  it('run the KDF once per good credential, and again after the stored hash changes', async () => {
    const hasher = countingHasher();
    const checker = new PasswordChecker(hasher);
    const stored = await hasher.hash('pw');
    for (let i = 0; i < 5; i++) expect(await checker.check('u', stored, 'pw', 'c', i)).toBe(true);
    expect(hasher.verifies).toBe(1);
    const changed = await hasher.hash('pw');
    expect(await checker.check('u', changed, 'pw', 'c', 10)).toBe(true);
    expect(hasher.verifies).toBe(2);
    // The old hash's entry does not vouch for another password.
    expect(await checker.check('u', stored, 'other', 'c', 11)).toBe(false);
  });

  it('share one KDF run among concurrent checks of the same new credential', async () => {
    const hasher = countingHasher();
    const checker = new PasswordChecker(hasher);
    const stored = await hasher.hash('pw');
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => checker.check('u', stored, 'pw', 'c', i)));
    expect(results.every(Boolean)).toBe(true);
    expect(hasher.verifies).toBe(1);
  });

  it('refuse a throttled credential without checking it, but let a verified one through', async () => {
    const hasher = countingHasher();
    const checker = new PasswordChecker(hasher);
    const stored = await hasher.hash('pw');
    expect(await checker.check('root', stored, 'pw', 'good-client', 0)).toBe(true);
    for (let i = 0; i < 10; i++) expect(await checker.check('root', stored, `guess${i}`, 'attacker', i)).toBe(false);
    const before = hasher.verifies;
    await expect(checker.check('root', stored, 'guess-11', 'attacker', 20)).rejects.toBeInstanceOf(LoginThrottled);
    // The right password not yet verified is refused too while the user is throttled...
    await expect(checker.check('root', stored, 'pw-other', 'good-client', 20)).rejects.toBeInstanceOf(LoginThrottled);
    expect(hasher.verifies).toBe(before);
    // ...but a credential verified before keeps working.
    expect(await checker.check('root', stored, 'pw', 'good-client', 21)).toBe(true);
  });

  it('reject (a fault, for the caller to deny) when the stored hash cannot be read', async () => {
    const checker = new PasswordChecker(countingHasher());
    await expect(checker.check('u', 'not-a-hash', 'pw', 'c', 0)).rejects.toThrow();
    await expect(checker.check('u', '$2a$10$bcrypthashfrometcd', 'pw', 'c', 0)).rejects.toThrow();
  });
});
