import { setMaxListeners } from 'node:events';
import { Agent, request } from 'node:http';
import { percentile, Samples } from '../stats.ts';
import { VALUE_BYTES, WATCH_KEY, type JobResult, type WatchJob } from './job.ts';

/** One iteration (register every watcher, PUT, every event) must finish within this. */
const ITERATION_TIMEOUT_MS = 10_000;
const BODY = `value=${'w'.repeat(VALUE_BYTES)}`;

interface Outcome {
  ok: boolean;
  status: number;
}

/**
 * The watch workload, which autocannon cannot express: `watchers` clients long-poll
 * `GET <key>?wait=true`; once every one has its response headers (etcd and edgecd send them when
 * the watcher is registered), one PUT is timed until the last watcher has read its event. The
 * latency is that span; the rate is watcher events delivered per second.
 */
export async function runWatchJob(job: WatchJob): Promise<JobResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.watchers + 1 });
  const spans = new Samples();
  const badStatus: Record<string, number> = {};
  let errors = 0;
  let delivered = 0;
  const started = performance.now();
  const end = started + job.durationSec * 1000;
  try {
    // At least one iteration, however short the run.
    do {
      const outcome = await iteration(job, agent).catch((): undefined => undefined);
      if (outcome === undefined) {
        errors++;
        continue;
      }
      const failed = outcome.results.filter((r) => !r.ok);
      for (const r of failed) badStatus[r.status] = (badStatus[r.status] ?? 0) + 1;
      errors += failed.length;
      delivered += outcome.results.length - failed.length;
      if (failed.length === 0) spans.push(outcome.spanMs);
    } while (performance.now() < end);
  } finally {
    agent.destroy();
  }
  const elapsedSec = (performance.now() - started) / 1000;
  return {
    ok: delivered,
    elapsedSec,
    perSec: delivered / elapsedSec,
    p50: percentile(spans.values(), 0.5),
    p99: percentile(spans.values(), 0.99),
    samples: spans.length,
    errors,
    badStatus,
  };
}

async function iteration(job: WatchJob, agent: Agent): Promise<{ spanMs: number; results: Outcome[] }> {
  const controller = new AbortController();
  // Every watcher of the iteration listens on this one signal.
  setMaxListeners(job.watchers + 8, controller.signal);
  const timer = setTimeout(() => controller.abort(), ITERATION_TIMEOUT_MS);
  try {
    const watches = Array.from({ length: job.watchers }, () => watch(job.url, agent, controller.signal));
    await Promise.all(watches.map((w) => w.registered));
    const t0 = performance.now();
    const written = await send(job.url, agent, 'PUT', BODY, controller.signal);
    const results = await Promise.all(watches.map((w) => w.event));
    const spanMs = performance.now() - t0;
    if (!written.ok) results.push(written);
    return { spanMs, results };
  } catch (error) {
    // Drop the watchers still waiting, so none leaks into the next iteration.
    controller.abort();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function watch(url: string, agent: Agent, signal: AbortSignal): { registered: Promise<void>; event: Promise<Outcome> } {
  let onRegistered: () => void = () => undefined;
  let onFailed: (error: Error) => void = () => undefined;
  const registered = new Promise<void>((resolvePromise, reject) => {
    onRegistered = resolvePromise;
    onFailed = reject;
  });
  const event = new Promise<Outcome>((resolvePromise) => {
    const req = request(`${url}${WATCH_KEY}?wait=true`, { agent, signal }, (res) => {
      onRegistered();
      res.resume();
      res.on('end', () => resolvePromise({ ok: res.statusCode === 200, status: res.statusCode ?? 0 }));
      res.on('error', () => resolvePromise({ ok: false, status: 0 }));
    });
    req.on('error', (error) => {
      onFailed(error);
      resolvePromise({ ok: false, status: 0 });
    });
    req.end();
  });
  return { registered, event };
}

function send(url: string, agent: Agent, method: string, body: string, signal: AbortSignal): Promise<Outcome> {
  return new Promise((resolvePromise) => {
    const req = request(
      `${url}${WATCH_KEY}`,
      { agent, method, signal, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolvePromise({ ok: res.statusCode !== undefined && res.statusCode < 300, status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', () => resolvePromise({ ok: false, status: 0 }));
    req.end(body);
  });
}
