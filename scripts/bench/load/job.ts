/** What the orchestrator asks the load-generator process to do, and what it gets back. */

export type HttpWorkload = 'put' | 'get' | 'getq' | 'mix' | 'v3put' | 'v3range' | 'v3txn';
export type Workload = HttpWorkload | 'watch';

export const WORKLOADS: readonly Workload[] = ['put', 'get', 'getq', 'mix', 'watch', 'v3put', 'v3range', 'v3txn'];

/** Keys are spread over this many names under `/bench`, values are this long. */
export const KEY_COUNT = 1000;
export const VALUE_BYTES = 100;
export const WATCH_KEY = '/v2/keys/bench/watched';

export interface HttpJob {
  kind: 'http';
  workload: HttpWorkload;
  url: string;
  connections: number;
  durationSec: number;
}

/** Writes `count` keys `/bench/<prefix><i>` (distinct), for seeding and the memory measurement. */
export interface FillJob {
  kind: 'fill';
  /** Which keyspace: the v2 API's (`PUT /v2/keys/...`, the default) or the v3 gateway's. */
  api?: 'v2' | 'v3';
  url: string;
  prefix: string;
  count: number;
  connections: number;
  /** Gives up after this long and reports how many were written. */
  maxSec: number;
}

/** `watchers` long-polls on one key, one PUT, until every watcher has its event; repeated. */
export interface WatchJob {
  kind: 'watch';
  url: string;
  watchers: number;
  durationSec: number;
}

export type Job = HttpJob | FillJob | WatchJob;

export interface JobResult {
  /** Successful (2xx) requests, or for watch: watcher events delivered. */
  ok: number;
  elapsedSec: number;
  /** ok / elapsedSec. */
  perSec: number;
  /** Latency in ms over the successful requests (watch: PUT until the last watcher's event). */
  p50: number;
  p99: number;
  /** Samples behind p50/p99. */
  samples: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
  /** Status codes seen that were not 2xx (and `timeout`, `connection error`), with counts. */
  badStatus: Record<string, number>;
}

export type ToGenerator = { type: 'run'; id: number; job: Job } | { type: 'exit' };
export type FromGenerator = { type: 'ready' } | { type: 'result'; id: number; result: JobResult } | { type: 'failed'; id: number; message: string };
