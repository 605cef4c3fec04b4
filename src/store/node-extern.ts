import type { Node } from './node.ts';
import { formatRFC3339Nano, ttlSeconds } from './time.ts';

/**
 * A node as the API shows it (etcd's `NodeExtern`, node_extern.go). Property order is the Go
 * struct's, and empty fields are absent (Go's `omitempty`: no `dir` for files, no `ttl` 0, no
 * `nodes` for an empty dir, no index 0), so `JSON.stringify` gives etcd's bytes.
 *
 * Shared between the caller, the event history and every watcher: treat as immutable.
 */
export interface NodeExtern {
  key: string;
  value?: string;
  dir?: true;
  /** RFC 3339 with nanoseconds, UTC. */
  expiration?: string;
  /** Seconds left, rounded up; may be 0 (absent) or negative once past due and not yet expired. */
  ttl?: number;
  nodes?: NodeExtern[];
  modifiedIndex?: number;
  createdIndex?: number;
}

/** The fields of a `NodeExtern` before Go's `omitempty` is applied. */
export interface NodeFields {
  key: string;
  value?: string | undefined;
  dir?: boolean;
  expiration?: string | undefined;
  ttl?: number;
  nodes?: NodeExtern[] | undefined;
  modifiedIndex: number;
  createdIndex: number;
}

/** Builds a `NodeExtern` with etcd's field order and `omitempty` rules; the one place that knows them. */
export function nodeExtern(f: NodeFields): NodeExtern {
  // Insertion order is JSON order: key, value, dir, expiration, ttl, nodes, modifiedIndex, createdIndex.
  const n: NodeExtern = { key: f.key };
  if (f.value !== undefined) n.value = f.value;
  if (f.dir === true) n.dir = true;
  if (f.expiration !== undefined) n.expiration = f.expiration;
  if (f.ttl !== undefined && f.ttl !== 0) n.ttl = f.ttl;
  if (f.nodes !== undefined && f.nodes.length > 0) n.nodes = f.nodes;
  if (f.modifiedIndex !== 0) n.modifiedIndex = f.modifiedIndex;
  if (f.createdIndex !== 0) n.createdIndex = f.createdIndex;
  return n;
}

/** `expiration` and `ttl` of a node at `now` (node.go `expirationAndTTL`); none for a permanent node. */
export function expirationAndTTL(n: Node, now: number): { expiration?: string; ttl?: number } {
  if (n.isPermanent) return {};
  // Rendering a time is the dear part of showing a TTL node; a node's expiry rarely changes.
  if (n.expirationFor !== n.expireTime) {
    n.expirationFor = n.expireTime;
    n.expirationText = formatRFC3339Nano(n.expireTime);
  }
  return { expiration: n.expirationText, ttl: ttlSeconds(n.expireTime, now) };
}

/**
 * A node's representation (node.go `Repr`): a dir lists its children only when `recursive`, and
 * never its hidden ones. Built field by field in `nodeExtern`'s order: this is the hot path of
 * listings and prevNodes, where intermediate objects showed up in profiles.
 */
export function repr(n: Node, recursive: boolean, sorted: boolean, now: number): NodeExtern {
  const out: NodeExtern = { key: n.path };
  if (n.children === undefined) out.value = n.value;
  else out.dir = true;
  if (!n.isPermanent) {
    const { expiration, ttl } = expirationAndTTL(n, now);
    if (expiration !== undefined) out.expiration = expiration;
    if (ttl !== undefined && ttl !== 0) out.ttl = ttl;
  }
  if (n.children !== undefined && recursive) {
    const nodes = listChildren(n, recursive, sorted, now);
    if (nodes.length > 0) out.nodes = nodes;
  }
  if (n.modifiedIndex !== 0) out.modifiedIndex = n.modifiedIndex;
  if (n.createdIndex !== 0) out.createdIndex = n.createdIndex;
  return out;
}

/** The visible children of a dir, each as `repr`; linear in the size of what is listed. */
export function listChildren(dir: Node, recursive: boolean, sorted: boolean, now: number): NodeExtern[] {
  const out: NodeExtern[] = [];
  if (dir.children === undefined) return out;
  for (const child of dir.children.values()) {
    if (!child.isHidden) out.push(repr(child, recursive, sorted, now));
  }
  if (sorted) out.sort((a, b) => compareUTF8(a.key, b.key));
  return out;
}

/**
 * Go compares strings bytewise, i.e. in UTF-8 order, which is code point order. JS compares UTF-16
 * code units, which puts U+E000..U+FFFF after astral characters; shift surrogates above them.
 */
export function compareUTF8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** A copy with `prefix` trimmed from every key (v2http `trimNodeExternPrefix`); an emptied key is absent. */
export function trimNodePrefix(n: NodeExtern, prefix: string): NodeExtern {
  const key = n.key.startsWith(prefix) ? n.key.slice(prefix.length) : n.key;
  const trimmed = nodeExtern({
    key,
    value: n.value,
    dir: n.dir === true,
    expiration: n.expiration,
    ttl: n.ttl ?? 0,
    nodes: n.nodes?.map((c) => trimNodePrefix(c, prefix)),
    modifiedIndex: n.modifiedIndex ?? 0,
    createdIndex: n.createdIndex ?? 0,
  });
  // Go omits an empty key (`omitempty`): the keys root `/1` shows as a node without a key.
  if (key === '') delete (trimmed as { key?: string }).key;
  return trimmed;
}
