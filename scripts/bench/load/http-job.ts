import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';
import { reportProgress } from '../progress.ts';
import { percentile, Samples } from '../stats.ts';
import { KEY_COUNT, VALUE_BYTES, type FillJob, type HttpJob, type HttpWorkload, type JobResult } from './job.ts';

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
/** One ~100-byte value; the form body etcd's v2 API takes for a PUT. */
const VALUE = 'v'.repeat(VALUE_BYTES);
const PUT_BODY = `value=${VALUE}`;
/** autocannon only notices its end on a sample tick: keep ticks short so runs last what we ask. */
const SAMPLE_MS = 50;

export function keyPath(i: number): string {
  return `/v2/keys/bench/k${i}`;
}

function randomKey(): string {
  return keyPath(Math.floor(Math.random() * KEY_COUNT));
}

function put(path: string): AutocannonRequest {
  return { method: 'PUT', path, headers: FORM, body: PUT_BODY };
}

function get(path: string): AutocannonRequest {
  return { method: 'GET', path, headers: {}, body: '' };
}

/** The v3 gateway's JSON: keys and values base64 (the same key names as the v2 workloads). */
const JSON_HEADERS = { 'Content-Type': 'application/json' };
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const V3_VALUE = b64(VALUE);
const v3Key = (i: number): string => b64(`bench/k${i}`);
const randomV3Key = (): string => v3Key(Math.floor(Math.random() * KEY_COUNT));

function v3(path: string, body: object): AutocannonRequest {
  return { method: 'POST', path, headers: JSON_HEADERS, body: JSON.stringify(body) };
}

const v3Put = (key: string): AutocannonRequest => v3('/v3/kv/put', { key, value: V3_VALUE });
/** A linearizable range (the gateway's default): a ReadIndex round on edgecd, a quorum read on etcd. */
const v3Range = (key: string): AutocannonRequest => v3('/v3/kv/range', { key });
/** A compare-and-put txn: the shape of a lock or a leader lease renewal. */
const v3Txn = (key: string): AutocannonRequest =>
  v3('/v3/kv/txn', { compare: [{ key, target: 'VERSION', result: 'GREATER', version: '0' }], success: [{ request_put: { key, value: V3_VALUE } }] });

/**
 * The request of each workload, made afresh per request by autocannon's `setupRequest` so that
 * keys (and for `mix` the method) vary while connections stay kept-alive.
 */
function setupFor(workload: HttpWorkload): () => AutocannonRequest {
  switch (workload) {
    case 'put':
      return () => put(randomKey());
    case 'get':
      return () => get(randomKey());
    case 'getq':
      return () => get(`${randomKey()}?quorum=true`);
    case 'mix':
      return () => (Math.random() < 0.1 ? put(randomKey()) : get(randomKey()));
    case 'v3put':
      return () => v3Put(randomV3Key());
    case 'v3range':
      return () => v3Range(randomV3Key());
    case 'v3txn':
      return () => v3Txn(randomV3Key());
  }
}

interface Run {
  url: string;
  connections: number;
  durationSec?: number;
  amount?: number;
  /** With `amount`: stop at this bound anyway and report what was done. */
  maxSec?: number;
  next: () => AutocannonRequest;
  /** Names a progress line on stderr while it runs (fills, which can take minutes). */
  progress?: string;
}

/** Runs autocannon, timing every response itself (autocannon's histogram has 1 ms resolution). */
function runAutocannon(run: Run): Promise<JobResult> {
  const latencies = new Samples();
  const badStatus: Record<string, number> = {};
  let started = 0;
  let bound: ReturnType<typeof setTimeout> | undefined;
  let stopProgress: () => void = () => undefined;
  return new Promise((resolvePromise, reject) => {
    const instance = autocannon(
      {
        url: run.url,
        connections: run.connections,
        ...(run.amount === undefined ? { duration: run.durationSec ?? 1 } : { amount: run.amount }),
        sampleInt: SAMPLE_MS,
        timeout: 10,
        // autocannon hands in the request with its defaults (host, port); only the varying parts change.
        requests: [{ setupRequest: (request) => ({ ...request, ...run.next() }) }],
        skipAggregateResult: true,
      },
      (error: Error | null, result: AutocannonResult) => {
        clearTimeout(bound);
        stopProgress();
        if (error !== null) {
          reject(error);
          return;
        }
        const elapsedSec = (performance.now() - started) / 1000;
        // Failures that got no status at all, named so the report can tell them apart.
        if (result.timeouts > 0) badStatus['timeout'] = result.timeouts;
        if (result.errors > result.timeouts) badStatus['connection error'] = result.errors - result.timeouts;
        resolvePromise({
          ok: latencies.length,
          elapsedSec,
          perSec: latencies.length / elapsedSec,
          p50: percentile(latencies.values(), 0.5),
          p99: percentile(latencies.values(), 0.99),
          samples: latencies.length,
          errors: result.errors + result.non2xx,
          badStatus,
        });
      },
    );
    started = performance.now();
    const total = run.amount;
    stopProgress = run.progress === undefined || total === undefined ? () => undefined : reportProgress(run.progress, total, () => latencies.length);
    if (run.maxSec !== undefined) bound = setTimeout(() => instance.stop(), run.maxSec * 1000);
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
      else badStatus[statusCode] = (badStatus[statusCode] ?? 0) + 1;
    });
  });
}

export function runHttpJob(job: HttpJob): Promise<JobResult> {
  return runAutocannon({ url: job.url, connections: job.connections, durationSec: job.durationSec, next: setupFor(job.workload) });
}

/**
 * Writes distinct keys `/bench/<prefix><i>`, each once, as fast as `connections` clients can;
 * stops early at `maxSec` and reports how many were written.
 */
export function runFillJob(job: FillJob): Promise<JobResult> {
  let next = 0;
  const request = (): AutocannonRequest =>
    job.api === 'v3' ? v3Put(b64(`bench/${job.prefix}${next++ % job.count}`)) : put(`/v2/keys/bench/${job.prefix}${next++ % job.count}`);
  return runAutocannon({
    url: job.url,
    connections: job.connections,
    amount: job.count,
    maxSec: job.maxSec,
    next: request,
    progress: `fill /bench/${job.prefix}* (keys written)`,
  });
}
