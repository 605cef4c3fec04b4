import type { EventJSON, KeyTree } from '../model/key-tree.ts';

/**
 * What the console needs of the v2 keyspace (v2-keyspace.ts implements it over `/v2/keys`; the
 * v3 keyspace has its own shape, v3-keyspace.ts: flat byte keys, revisions, leases).
 */
export interface Keyspace {
  readonly name: string;
  /** As much of the keyspace as the signed-in user may read, and the index it is current to. */
  load(): Promise<KeyTree>;
  put(key: string, value: string, options?: { ttlSeconds?: number; dir?: boolean }): Promise<void>;
  remove(key: string, options?: { dir?: boolean }): Promise<void>;
  /**
   * Follows every change to what `tree` holds, after the index it was read at, until stopped.
   * `onEvent` gets each change in order; `onLost` is called if the history needed to resume is
   * gone (the console then loads again).
   */
  watch(tree: KeyTree, onEvent: (event: EventJSON) => void, onLost: () => void): () => void;
}
