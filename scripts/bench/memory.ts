import { freePort } from '../free-port.ts';
import { DevToolsClient } from './inspector/devtools-client.ts';
import type { LoadGenerator } from './load/load-generator.ts';
import { rssBytes } from './processes.ts';
import { startEdgecd } from './targets/edgecd.ts';

export interface MemoryFigures {
  keysAsked: number;
  keysWritten: number;
  fillPerSec: number;
  fillErrors: number;
  fillBadStatus: Record<string, number>;
  /** The `edgecd` isolate's used JS heap after a full GC (Runtime.getHeapUsage), before and after. */
  isolateHeapBefore: number;
  isolateHeapAfter: number;
  /** (after − before) / 3: the three members live in that one isolate, each with the same data. */
  perMemberHeap: number;
  /** workerd's RSS, the fallback figure (it also holds SQLite's page caches). */
  workerdRssBefore: number | undefined;
  workerdRssAfter: number | undefined;
}

/**
 * A member's memory after `keys` distinct keys: a fresh edgecd whose workerd has a DevTools
 * inspector (workerd-with-inspector.sh). All members of a local cluster run in the `edgecd`
 * worker's isolate, so the isolate's heap growth is split over the three.
 */
export async function measureMemberMemory(generator: LoadGenerator, keys: number, log: (line: string) => void): Promise<MemoryFigures> {
  const inspectorPort = await freePort();
  const edgecd = await startEdgecd({ host: 'node', inspectorPort });
  try {
    const pid = edgecd.workerdPid();
    const isolateHeapBefore = await heapAfterGc(inspectorPort);
    const workerdRssBefore = pid === undefined ? undefined : rssBytes(pid);
    log(`  heap before: ${mb(isolateHeapBefore)}; writing ${keys} keys (c=128)`);
    const fill = await generator.run({ kind: 'fill', url: edgecd.url, prefix: 'm', count: keys, connections: 128, maxSec: 300 });
    log(`  wrote ${fill.ok} at ${Math.round(fill.perSec)}/s, p99 ${fill.p99.toFixed(1)} ms; failures ${JSON.stringify(fill.badStatus)}`);
    // Followers apply what the leader has committed a heartbeat or so later.
    await new Promise((r) => setTimeout(r, 2_000));
    const isolateHeapAfter = await heapAfterGc(inspectorPort);
    const workerdRssAfter = pid === undefined ? undefined : rssBytes(pid);
    return {
      keysAsked: keys,
      keysWritten: fill.ok,
      fillPerSec: fill.perSec,
      fillErrors: fill.errors,
      fillBadStatus: fill.badStatus,
      isolateHeapBefore,
      isolateHeapAfter,
      perMemberHeap: (isolateHeapAfter - isolateHeapBefore) / 3,
      workerdRssBefore,
      workerdRssAfter,
    };
  } finally {
    await edgecd.stop();
  }
}

/** Used heap of the `edgecd` isolate after two full collections. */
async function heapAfterGc(inspectorPort: number): Promise<number> {
  const devtools = await DevToolsClient.connect(inspectorPort, 'edgecd');
  try {
    await devtools.send('HeapProfiler.collectGarbage');
    await devtools.send('HeapProfiler.collectGarbage');
    const usage = await devtools.send<{ usedSize: number }>('Runtime.getHeapUsage');
    return usage.usedSize;
  } finally {
    devtools.close();
  }
}

export function mb(bytes: number | undefined): string {
  return bytes === undefined ? '?' : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
