/**
 * The one port the auth core needs from its platform: a slow password KDF and a fast keyed
 * digest. The core stays deterministic (no clocks, randomness or crypto of its own); a member
 * hashes a new password before it proposes the write, so the log and every member's store hold
 * only the hash, and applying the entry needs no randomness.
 *
 * Both v2 auth and (later) v3 auth use it: etcd 3.4 hashes with bcrypt in both.
 */
export interface PasswordHasher {
  /** A new stored form of `password` (a fresh random salt each time, so never the same twice). */
  hash(password: string): Promise<string>;
  /**
   * Whether `password` is the one `stored` was made from. Rejects (throws) for a stored value
   * it cannot read: a fault, which the callers treat as a denial.
   */
  verify(password: string, stored: string): Promise<boolean>;
  /**
   * A keyed digest of `text` (an HMAC under a key that lives only in this member's memory): the
   * verified-credential cache's key, so the cache never holds a password or a value an attacker
   * with the stored hashes could test guesses against offline.
   */
  digest(text: string): Promise<string>;
}
