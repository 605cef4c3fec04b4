import type { MemberConfig } from './config.ts';

/** Storage key of the public URL a member learned from the front door. */
const LEARNED_KEY = 'edgecd:public-url';

/**
 * What a member says when it cannot start because it knows no URL clients reach it at: etcd's
 * `--advertise-client-urls` has no default a client could use here.
 */
export const NO_CLIENT_URL_MESSAGE =
  'this member does not know the URL clients reach it at, so it cannot publish one: set PUBLIC_URL (or ADVERTISE_CLIENT_URLS) ' +
  "in wrangler.toml, or send a request through the worker's public URL: the front door tells every member the origin it was reached at";

/**
 * A member's client URLs, as etcd's `--advertise-client-urls`: its own entry in
 * ADVERTISE_CLIENT_URLS, else PUBLIC_URL, else the origin the front door was reached at (a
 * deployed worker's public URL, learned without a hand-set var), else none yet.
 */
export function advertisedClientURLs(config: MemberConfig, name: string, learned: string | undefined): string[] | undefined {
  const own = config.clientURLs.get(name);
  if (own !== undefined) return own;
  if (config.publicURL !== undefined) return [config.publicURL];
  return learned === undefined ? undefined : [learned];
}

/** Whether a member's URLs are set by hand (then what the front door saw does not matter). */
export function hasConfiguredClientURLs(config: MemberConfig, name: string): boolean {
  return config.clientURLs.has(name) || config.publicURL !== undefined;
}

export function learnedPublicURL(storage: DurableObjectStorage): string | undefined {
  const value = storage.kv.get<string>(LEARNED_KEY);
  return typeof value === 'string' ? value : undefined;
}

/**
 * Keeps the first origin the front door reports: a member's client URL should not flip with
 * every hostname the worker is reached by (set PUBLIC_URL to choose one). Returns the URL kept.
 */
export function rememberPublicURL(storage: DurableObjectStorage, origin: string): string {
  const known = learnedPublicURL(storage);
  if (known !== undefined) return known;
  const url = new URL(origin).origin;
  storage.kv.put(LEARNED_KEY, url);
  return url;
}
