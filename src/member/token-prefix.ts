/**
 * etcd's `GenTokenPrefix` (auth/simple_token.go): 16 letters drawn uniformly from a-z and A-Z
 * with a cryptographic source (about 91 bits), the part of a simple token no one can guess.
 */
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LENGTH = 16;
/** The largest multiple of 52 below 256: bytes at or above it are drawn again, so no letter is likelier. */
const LIMIT = 256 - (256 % LETTERS.length);

export function randomTokenPrefix(): string {
  let out = '';
  while (out.length < LENGTH) {
    for (const byte of crypto.getRandomValues(new Uint8Array(LENGTH))) {
      if (byte < LIMIT && out.length < LENGTH) out += LETTERS[byte % LETTERS.length]!;
    }
  }
  return out;
}
