import { ErrorCode } from './errors.ts';
import { footprint, Node, PERMANENT } from './node.ts';
import { joinChild } from './path.ts';
import { TTLKeyHeap } from './ttl-heap.ts';

/**
 * Walking the store's tree (etcd's `internalGet` and `checkDir` in v2store/store.go). A failed
 * walk is returned, not thrown: an `Error` costs a stack trace, and `set` of a new key, which
 * starts with a failed lookup, is the common write.
 */
export interface WalkFailure {
  code: number;
  /** etcd's cause: the path of the file met on the way, or the first missing component. */
  cause: string;
}

/** Follows `path` from `root`: 104 at a file on the way, 100 naming the first missing component. */
export function lookup(root: Node, path: string): Node | WalkFailure {
  let curr = root;
  if (path === '/') return curr;
  for (let start = 1; start <= path.length; ) {
    let end = path.indexOf('/', start);
    if (end === -1) end = path.length;
    const name = path.slice(start, end);
    if (curr.children === undefined) return { code: ErrorCode.NotDir, cause: curr.path };
    const child = curr.children.get(name);
    if (child === undefined) return { code: ErrorCode.KeyNotFound, cause: joinChild(curr.path, name) };
    curr = child;
    start = end + 1;
  }
  return curr;
}

/**
 * Walks to the dir `dirName` (ending in `/`), making missing dirs at `index` (each one told to
 * `made`, so the caller can count its bytes); 104 at a file on the way.
 */
export function ensureDir(root: Node, dirName: string, index: number, made: (dir: Node) => void): Node | WalkFailure {
  let curr = root;
  for (const name of dirName.split('/')) {
    if (name === '') continue;
    const children = curr.children;
    if (children === undefined) return { code: ErrorCode.NotDir, cause: curr.path };
    let child = children.get(name);
    if (child === undefined) {
      child = Node.dir(joinChild(curr.path, name), index, curr, PERMANENT);
      children.set(name, child);
      made(child);
    } else if (!child.isDir) {
      return { code: ErrorCode.NotDir, cause: child.path };
    }
    curr = child;
  }
  return curr;
}

/** 101's cause, as etcd words it: `[prevValue != value]`, `[prevIndex != modifiedIndex]`, or both; undefined on a match. */
export function compareFailureCause(n: Node, prevValue: string, prevIndex: number): string | undefined {
  const result = n.compare(prevValue, prevIndex);
  if (result === 'match') return undefined;
  const valueCause = `[${prevValue} != ${n.value}]`;
  const indexCause = `[${prevIndex} != ${n.modifiedIndex}]`;
  if (result === 'valueNotMatch') return valueCause;
  if (result === 'indexNotMatch') return indexCause;
  return `${valueCause} ${indexCause}`;
}

/** The summed `footprint` of a node and everything under it. */
export function treeBytes(n: Node): number {
  let bytes = footprint(n);
  if (n.children !== undefined) for (const child of n.children.values()) bytes += treeBytes(child);
  return bytes;
}

/** A heap of every node with a TTL under `root` (after a snapshot is loaded or copied). */
export function ttlHeapOf(root: Node): TTLKeyHeap {
  const heap = new TTLKeyHeap();
  const visit = (n: Node): void => {
    n.heapIndex = -1;
    if (!n.isPermanent) heap.push(n);
    if (n.children !== undefined) for (const child of n.children.values()) visit(child);
  };
  visit(root);
  return heap;
}
