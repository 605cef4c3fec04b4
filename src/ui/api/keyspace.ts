import type { EventJSON, KeyTree } from '../model/key-tree.ts';

/**
 * What the console needs of a keyspace. The v2 API provides one (v2-keyspace.ts). The v3 seam:
 * a `V3Keyspace` implements the same through the v3 JSON gateway, `/v3/kv/range` (keys from
 * `""` to `"\0"`, base64) for `load`, `/v3/kv/put` and `/v3/kv/deleterange` for writes,
 * `/v3/watch` (a stream from `revision + 1`) for `watch`; its flat keys are shown by splitting
 * on `/`, and leases stand where v2 has TTLs.
 */
export interface Keyspace {
  readonly name: string;
  /** The whole keyspace and the index (revision) it is current to. */
  load(): Promise<KeyTree>;
  put(key: string, value: string, options?: { ttlSeconds?: number; dir?: boolean }): Promise<void>;
  remove(key: string, options?: { dir?: boolean }): Promise<void>;
  /**
   * Follows every change after `fromIndex` until stopped. `onEvent` gets each change in order;
   * `onLost` is called if the history needed to resume is gone (the console then reloads).
   */
  watch(fromIndex: number, onEvent: (event: EventJSON) => void, onLost: () => void): () => void;
}
