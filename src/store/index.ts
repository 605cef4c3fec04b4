/**
 * etcd's v2 store (etcdserver/api/v2store) in TypeScript: the public face of `src/store`.
 * Everything the server and HTTP layers need; nothing else is to be imported from this folder.
 */
export { Store, STORE_VERSION, type StoreOptions, type TTLOptions } from './store.ts';
export { Event, Action, type EventJSON } from './event.ts';
export { type NodeExtern, compareUTF8, trimNodePrefix } from './node-extern.ts';
export { Watcher, WATCHER_BUFFER } from './watcher.ts';
export { HISTORY_CAPACITY, HISTORY_VALUE_CHARS } from './event-history.ts';
export { EtcdError, ErrorCode, ERROR_MESSAGES, ERROR_STATUS, type EtcdErrorJSON } from './errors.ts';
export { type StoreStats } from './stats.ts';
export { type Clock, formatRFC3339Nano, parseRFC3339 } from './time.ts';
export { normalizeKey } from './path.ts';
export { nodeFootprint } from './node.ts';
