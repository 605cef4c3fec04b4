import type { LoadGenerator } from './load/load-generator.ts';
import { KEY_COUNT, WATCH_KEY, type Job, type JobResult, type Workload } from './load/job.ts';
import type { BenchOptions } from './options.ts';
import type { Target, TargetName } from './targets/target.ts';
import { putKey } from './v2-client.ts';

export interface RunRecord {
  round: number;
  warmup: boolean;
  workload: Workload;
  concurrency: number;
  target: TargetName;
  result: JobResult;
}

export function jobFor(workload: Workload, concurrency: number, url: string, durationSec: number): Job {
  return workload === 'watch'
    ? { kind: 'watch', url, watchers: concurrency, durationSec }
    : { kind: 'http', workload, url, connections: concurrency, durationSec };
}

/** Every key the workloads read exists before any run (a GET of a missing key is a 404). */
export async function seed(generator: LoadGenerator, target: Target): Promise<void> {
  for (const api of ['v2', 'v3'] as const) {
    const filled = await generator.run({ kind: 'fill', api, url: target.url, prefix: 'k', count: KEY_COUNT, connections: 32, maxSec: 60 });
    if (filled.ok < KEY_COUNT) throw new Error(`${target.name}: seeding the ${api} keyspace wrote ${filled.ok} of ${KEY_COUNT} keys (${filled.errors} errors)`);
  }
  const status = await putKey(target.url, WATCH_KEY.replace('/v2/keys/', ''), 'seed');
  if (status >= 300) throw new Error(`${target.name}: seeding the watched key answered ${status}`);
}

/**
 * A warm-up round, then `rounds` measured ones. Within a round every cell (workload ×
 * concurrency) runs on every target back to back, the targets' order rotating from cell to cell
 * and round to round, so drift in the machine's load falls on all of them alike.
 */
export async function runMatrix(
  generator: LoadGenerator,
  targets: readonly Target[],
  options: BenchOptions,
  log: (line: string) => void,
): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  const cells = options.workloads.flatMap((workload) => options.concurrency.map((concurrency) => ({ workload, concurrency })));
  for (let round = 0; round <= options.rounds; round++) {
    const warmup = round === 0;
    if (warmup && options.warmupSec === 0) continue;
    const seconds = warmup ? options.warmupSec : options.durationSec;
    log(`${warmup ? 'warm-up' : `round ${round}/${options.rounds}`}: ${cells.length} cells × ${targets.length} targets × ${seconds} s`);
    for (const [i, cell] of cells.entries()) {
      const shift = (round + i) % targets.length;
      const order = [...targets.slice(shift), ...targets.slice(0, shift)];
      const line: string[] = [];
      for (const target of order) {
        const result = await generator.run(jobFor(cell.workload, cell.concurrency, target.url, seconds));
        records.push({ round, warmup, ...cell, target: target.name, result });
        line.push(`${target.name} ${Math.round(result.perSec)}/s${result.errors > 0 ? ` (${result.errors} errors)` : ''}`);
      }
      log(`  ${cell.workload} c=${cell.concurrency}: ${line.join(', ')}`);
    }
  }
  return records;
}
