import { fromBase64, type Bytes } from '../model/bytes.ts';
import type { V3Event, V3Key } from '../model/v3-key-tree.ts';

/**
 * The v3 JSON gateway's messages as the console reads them: etcd's grpc-gateway marshals with
 * proto field names, leaves out every zero field, writes int64 as strings and bytes as base64
 * (and an event's type only when it is not PUT, the enum's zero).
 */
export interface KeyValueJSON {
  key?: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
  version?: string;
  lease?: string;
}

export interface HeaderJSON {
  revision?: string;
}

export interface WatchResponseJSON {
  header?: HeaderJSON;
  watch_id?: string;
  created?: boolean;
  canceled?: boolean;
  compact_revision?: string;
  cancel_reason?: string;
  events?: { type?: 'PUT' | 'DELETE'; kv?: KeyValueJSON }[];
}

export function keyValue(kv: KeyValueJSON): V3Key {
  return {
    key: fromBase64(kv.key),
    value: fromBase64(kv.value),
    createRevision: Number(kv.create_revision ?? 0),
    modRevision: Number(kv.mod_revision ?? 0),
    version: Number(kv.version ?? 0),
    lease: kv.lease ?? '0',
  };
}

export const headerRevision = (header: HeaderJSON | undefined): number => Number(header?.revision ?? 0);

/** What one line (or WebSocket message) of a `/v3/watch` answer says, for the console's one watch. */
export type WatchMessage =
  | { kind: 'created'; revision: number }
  | { kind: 'events'; revision: number; events: V3Event[] }
  | { kind: 'compacted'; compactRevision: number }
  | { kind: 'canceled'; reason: string }
  | { kind: 'error'; message: string };

/**
 * One `/v3/watch` line: `{"result": WatchResponse}` or `{"error": {...}}` (grpc-gateway's stream
 * framing). A watch cancelled because its start revision is compacted carries the compaction.
 */
export function parseWatchLine(line: string): WatchMessage {
  const message = JSON.parse(line) as { result?: WatchResponseJSON; error?: { message?: string; grpc_code?: number } };
  if (message.error !== undefined || message.result === undefined) return { kind: 'error', message: message.error?.message ?? line };
  const r = message.result;
  const compactRevision = Number(r.compact_revision ?? 0);
  if (r.canceled === true) return compactRevision > 0 ? { kind: 'compacted', compactRevision } : { kind: 'canceled', reason: r.cancel_reason ?? '' };
  if (r.created === true) return { kind: 'created', revision: headerRevision(r.header) };
  const events = (r.events ?? []).map((e): V3Event => ({ type: e.type === 'DELETE' ? 'DELETE' : 'PUT', kv: keyValue(e.kv ?? {}) }));
  return { kind: 'events', revision: headerRevision(r.header), events };
}

/** etcdctl's `get "" --from-key`: key "\0", range end "\0" (every key). */
export const ALL_KEYS: { key: Bytes; rangeEnd: Bytes } = { key: '\0', rangeEnd: '\0' };
