/**
 * What etcd's v2auth asks of its server (the `doer` it calls `Do` on), narrowed to the requests
 * it makes, all under `/2`. Writes go through the Raft log, so every member applies them; reads
 * are served by the member's own store (a quorum read first confirms it is current).
 *
 * A miss that etcd tells apart (`KeyNotFound` 100, `NodeExist` 105) is a result; any other
 * failure (no leader, timeout, no space) is thrown, and v2auth passes it on as it is.
 */
export interface V2AuthBackend {
  /** GET (or QGET when `quorum`) of a node: a file's value, or a dir's children's names. */
  get(path: string, quorum: boolean): Promise<StoreRead>;
  /** PUT with `prevExist`: false creates (`exists` if taken), true updates (`notFound` if absent). */
  put(path: string, write: { value: string } | { dir: true }, prevExist: boolean): Promise<StoreWrite>;
  /** DELETE of a file. */
  delete(path: string): Promise<StoreWrite>;
}

export type StoreRead = { found: false } | { found: true; value: string | undefined; children: string[] };

export type StoreWrite = 'ok' | 'notFound' | 'exists';
