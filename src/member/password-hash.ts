/**
 * The member's password KDF (the auth core's `PasswordHasher` port), on the platform's WebCrypto:
 * PBKDF2-HMAC-SHA256, a 16-byte random salt per hash, a 32-byte key, stored as
 * `$pbkdf2-sha256$<iterations>$<salt>$<key>` (base64, no padding).
 *
 * Iterations: 100 000, the most workerd's PBKDF2 accepts (it refuses more, "iteration counts
 * above 100000 are not supported": cloudflare/workerd#1346). OWASP asks 600 000 for
 * PBKDF2-SHA256; the platform cap is what is possible in a Durable Object, and it costs about what
 * etcd's bcrypt at cost 10 does per check (tens of ms). The count is in each stored hash, so a
 * later count can be adopted without breaking the users that exist. etcd's bcrypt reads only the
 * first 72 bytes of a password; PBKDF2 reads all of it (a listed hardening).
 */
export const PBKDF2_ITERATIONS = 100_000;
/** What workerd accepts; a stored hash asking more is refused (it would fail anyway). */
const MAX_ITERATIONS = 100_000;
/** Below this a stored hash is not one this member made: refused rather than cheaply checked. */
const MIN_ITERATIONS = 10_000;
const SALT_BYTES = 16;
const KEY_BITS = 256;
const SCHEME = 'pbkdf2-sha256';

const utf8 = new TextEncoder();

export class WebCryptoPasswordHasher {
  /** The digest key: random, never stored, never leaves this object (so each member has its own). */
  private digestKey: Promise<CryptoKey> | undefined;

  /** `iterations` other than the default are for tests that hash many passwords. */
  constructor(private readonly iterations = PBKDF2_ITERATIONS) {
    if (iterations < 1 || iterations > MAX_ITERATIONS) throw new RangeError(`PBKDF2 iterations must be 1..${MAX_ITERATIONS}`);
  }

  async hash(password: string): Promise<string> {
    const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
    const key = await derive(password, salt, this.iterations);
    return `$${SCHEME}$${this.iterations}$${base64(salt)}$${base64(key)}`;
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const parts = stored.split('$');
    if (parts.length !== 5 || parts[0] !== '' || parts[1] !== SCHEME || !/^[1-9][0-9]{0,8}$/.test(parts[2]!)) {
      throw new Error('not a password hash this member can check');
    }
    const iterations = Number(parts[2]);
    if (iterations > MAX_ITERATIONS || (iterations < MIN_ITERATIONS && iterations !== this.iterations)) {
      throw new Error(`password hash with ${iterations} iterations refused`);
    }
    const salt = unbase64(parts[3]!);
    const expected = unbase64(parts[4]!);
    if (salt.length !== SALT_BYTES || expected.length !== KEY_BITS / 8) throw new Error('malformed password hash');
    return constantTimeEqual(await derive(password, salt, iterations), expected);
  }

  /** HMAC-SHA256 under this member's random key, hex. */
  async digest(text: string): Promise<string> {
    this.digestKey ??= crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']) as Promise<CryptoKey>;
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', await this.digestKey, utf8.encode(text)));
    let hex = '';
    for (const b of mac) hex += b.toString(16).padStart(2, '0');
    return hex;
  }
}

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey('raw', utf8.encode(password), 'PBKDF2', false, ['deriveBits']);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, material, KEY_BITS));
}

/** Compares every byte whatever the first difference, so the time taken says nothing of where it is. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/=+$/, '');
}

function unbase64(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9+/]*$/.test(text)) throw new Error('malformed password hash');
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
